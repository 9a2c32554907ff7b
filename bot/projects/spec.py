"""The project definition a lead writes in YAML, validated by pydantic.

Each model forbids unknown keys so a typo (`overlpa: 3`) is an error, not a silent default.
"""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.projects.model_policy import ModelPolicy

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
CHANNEL_PATTERN = r"^[CG][A-Z0-9]{2,30}$"
USER_PATTERN = r"^[UW][A-Z0-9]{2,30}$"
USERGROUP_PATTERN = r"^S[A-Z0-9]{2,30}$"
CHANNEL_ID = Annotated[str, Field(pattern=CHANNEL_PATTERN)]
USER_ID = Annotated[str, Field(pattern=USER_PATTERN)]
USERGROUP_ID = Annotated[str, Field(pattern=USERGROUP_PATTERN)]
#: Choice values travel inside button values and action ids, so keep them short and plain.
CHOICE_VALUE = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.:+-]+$")]
EMOJI = Annotated[str, Field(pattern=r"^:[a-z0-9_+'-]+:$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskKind(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    RATING = "rating"
    FREE_TEXT = "free_text"


class Choice(Strict):
    value: CHOICE_VALUE
    text: str = Field(min_length=1, max_length=60)
    emoji: EMOJI | None = None
    description: str | None = Field(default=None, max_length=500)
    examples: list[str] = Field(default_factory=list, max_length=10)

    @property
    def button_text(self) -> str:
        return f"{self.emoji} {self.text}" if self.emoji else self.text


class RatingScale(Strict):
    min: int = 1
    max: int = 5
    low_label: str | None = Field(default=None, max_length=40)
    high_label: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _sane_range(self) -> Self:
        if not 2 <= self.max - self.min + 1 <= 10:
            raise ValueError("a rating scale has between 2 and 10 points (max - min + 1)")
        return self


class Task(Strict):
    kind: TaskKind
    question: str = Field(default="Which label fits best?", max_length=300)
    choices: list[Choice] = Field(default_factory=list, max_length=25)
    scale: RatingScale | None = None
    min_choices: int = Field(default=1, ge=0)
    max_choices: int | None = Field(default=None, ge=1)
    prefill_field: str | None = None
    max_text_length: int = Field(default=2000, ge=1, le=2900)

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> Self:
        kind = self.kind
        if kind is TaskKind.RATING:
            if self.scale is None and not self.choices:
                raise ValueError("a rating task needs `scale` (min/max) or explicit `choices`")
        elif kind is TaskKind.FREE_TEXT:
            if self.choices:
                raise ValueError("a free_text task has no `choices`")
        elif len(self.choices) < 2:
            raise ValueError(f"a {kind.value} task needs at least 2 choices")
        if kind is TaskKind.MULTI_CHOICE and len(self.choices) > 10:
            raise ValueError("a multi_choice task has at most 10 choices (Slack checkbox limit)")
        values = [c.value for c in self.choices]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"duplicate choice values: {', '.join(duplicates)}")
        return self

    @property
    def effective_choices(self) -> list[Choice]:
        """The choices shown as buttons; a rating scale without explicit choices expands."""
        if self.choices or self.scale is None:
            return list(self.choices)
        points = range(self.scale.min, self.scale.max + 1)
        return [Choice(value=str(p), text=self._rating_text(p)) for p in points]

    def _rating_text(self, point: int) -> str:
        assert self.scale is not None
        if point == self.scale.min and self.scale.low_label:
            return f"{point} · {self.scale.low_label}"
        if point == self.scale.max and self.scale.high_label:
            return f"{point} · {self.scale.high_label}"
        return str(point)

    @property
    def choice_values(self) -> list[str]:
        return [c.value for c in self.effective_choices]


class DisplayField(Strict):
    key: str = Field(min_length=1, max_length=64)
    label: str | None = Field(default=None, max_length=60)


class Display(Strict):
    """What an item shows: text fields (side by side for pairwise), media, context metadata."""

    fields: list[DisplayField] = Field(min_length=1, max_length=6)
    layout: Literal["stacked", "side_by_side"] = "stacked"
    image_field: str | None = None
    audio_field: str | None = None
    video_field: str | None = None
    metadata: list[str] = Field(default_factory=list, max_length=8)
    truncate_at: int = Field(default=700, ge=100, le=2900)


class Guidelines(Strict):
    """Inline Markdown or a file path, relative to the project file."""

    text: str | None = None
    file: Path | None = None
    version: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of `text` or `file`")
        return self


class Gold(Strict):
    rate: float = Field(default=0.0, ge=0, le=1)
    feedback: bool = True


class ReviewPolicy(Strict):
    allow_unsure: bool = True
    agreement_threshold: float = Field(
        default=1.0, gt=0, le=1, description="majority share below this sends an item to review"
    )
    qa_sample_rate: float = Field(default=0.0, ge=0, le=1)
    notify_dissenters: bool = True


class ConsensusPolicy(Strict):
    """How answers become a label: `majority` (the review threshold decides) or `dawid_skene`
    (answers weighted by each annotator's estimated confusion; decided at `confidence`)."""

    method: Literal["majority", "dawid_skene"] = "majority"
    confidence: float = Field(
        default=0.99, gt=0.5, lt=1, description="dawid_skene: top posterior that decides an item"
    )


class QualityPolicy(Strict):
    """Opt-in quarantine: an annotator whose estimated accuracy (Dawid–Skene) is below
    `quarantine_below` over at least `quarantine_min_answers` answers gets no more items
    until a lead releases them."""

    quarantine_below: float | None = Field(default=None, gt=0, lt=1)
    quarantine_min_answers: int = Field(default=30, ge=5, le=10_000)


class AnnotatorPolicy(Strict):
    mode: Literal["anyone", "list", "usergroup"] = "anyone"
    users: list[USER_ID] = Field(default_factory=list)
    usergroup: USERGROUP_ID | None = None

    @model_validator(mode="after")
    def _mode_has_members(self) -> Self:
        if self.mode == "list" and not self.users:
            raise ValueError("mode `list` needs `users`")
        if self.mode == "usergroup" and self.usergroup is None:
            raise ValueError("mode `usergroup` needs `usergroup`")
        return self


class SlackWiring(Strict):
    labeling_channel: CHANNEL_ID | None = None
    review_channel: CHANNEL_ID | None = None
    digest_channel: CHANNEL_ID | None = None
    leads: list[USER_ID] = Field(default_factory=list)
    lead_usergroup: USERGROUP_ID | None = None
    annotators: AnnotatorPolicy = AnnotatorPolicy()
    source_channels: list[CHANNEL_ID] = Field(
        default_factory=list, description="channels whose messages may become items"
    )
    keep_message_author: bool = False

    @model_validator(mode="after")
    def _has_leads(self) -> Self:
        if not self.leads and self.lead_usergroup is None:
            raise ValueError("name at least one lead (`leads`) or a `lead_usergroup`")
        return self


class Digest(Strict):
    cron: str = "0 9 * * 1-5"
    weekly_cron: str = "0 9 * * 1"
    timezone: str = "UTC"

    @field_validator("cron", "weekly_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a valid 5-field cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value


PiiKind = Literal["email", "phone", "card"]


class Privacy(Strict):
    redact_pii: bool = False
    redact: tuple[PiiKind, ...] = ("email", "phone", "card")


class Bonus(Strict):
    """Per answer, for a period with at least `min_answers` answers and pooled quality of at
    least `min_quality` (docs/stats.md, "Pay"); all three are required: a bar for money is
    never a silent default."""

    per_answer: Decimal = Field(ge=0)
    min_answers: int = Field(ge=0)
    min_quality: Decimal = Field(ge=0, le=1)


class Pay(Strict):
    """What annotators are paid: `hourly_rate` per active hour in `currency`, and a bonus."""

    hourly_rate: Decimal = Field(ge=0)
    currency: str
    bonus: Bonus | None = None

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(
                f"currency is a 3-letter ISO 4217 code such as EUR or USD, not {value!r}"
            )
        return value


class ProjectSpec(Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    priority: int = Field(default=0, ge=-100, le=100)
    deadline: date | None = None
    guidelines: Guidelines
    task: Task
    display: Display
    overlap: int = Field(default=1, ge=1, le=50, description="answers every item gets at least")
    max_overlap: int | None = Field(
        default=None, ge=1, le=50, description="answers an undecided item may get (default overlap)"
    )
    consensus: ConsensusPolicy = ConsensusPolicy()
    quality: QualityPolicy = QualityPolicy()
    gold: Gold = Gold()
    review: ReviewPolicy = ReviewPolicy()
    slack: SlackWiring
    digest: Digest = Digest()
    privacy: Privacy = Privacy()
    lease_minutes: int = Field(default=10, ge=1, le=24 * 60)
    pay: Pay | None = None
    model: ModelPolicy | None = None

    @model_validator(mode="after")
    def _fields_consistent(self) -> Self:
        if self.task.prefill_field and self.task.prefill_field not in self.display_keys:
            raise ValueError("task.prefill_field must be one of display.fields")
        if self.max_overlap is not None and self.max_overlap < self.overlap:
            raise ValueError(
                f"max_overlap ({self.max_overlap}) must be at least overlap ({self.overlap})"
            )
        weighted = self.consensus.method == "dawid_skene"
        if weighted and self.task.kind not in (TaskKind.SINGLE_CHOICE, TaskKind.RATING):
            raise ValueError(
                "consensus.method dawid_skene needs a single_choice or rating task "
                f"(this one is {self.task.kind.value})"
            )
        if self.model is not None and self.task.kind not in (
            TaskKind.SINGLE_CHOICE,
            TaskKind.RATING,
        ):
            raise ValueError(
                "model needs a single_choice or rating task: it predicts one label per item "
                f"(this one is {self.task.kind.value})"
            )
        if self.quality.quarantine_below is not None and not weighted:
            raise ValueError(
                "quality.quarantine_below needs consensus.method: dawid_skene "
                "(it acts on the estimated annotator accuracy)"
            )
        return self

    @property
    def most_answers(self) -> int:
        """How many answers an item may get before an undecided one goes to a lead."""
        return self.max_overlap if self.max_overlap is not None else self.overlap

    @property
    def display_keys(self) -> list[str]:
        return [f.key for f in self.display.fields]


class ResolvedGuidelines(BaseModel):
    """Guideline text with its version: explicit, or the first 12 hex digits of its SHA-256."""

    text: str
    version: str


def resolve_guidelines(spec: ProjectSpec, base_dir: Path) -> ResolvedGuidelines:
    guidelines = spec.guidelines
    if guidelines.text is not None:
        text = guidelines.text
    else:
        assert guidelines.file is not None
        path = guidelines.file if guidelines.file.is_absolute() else base_dir / guidelines.file
        text = path.read_text(encoding="utf-8")
    version = guidelines.version or hashlib.sha256(text.encode()).hexdigest()[:12]
    return ResolvedGuidelines(text=text, version=version)


_SECTION = re.compile(r"^#{2,3}\s+(?P<title>.+?)\s*$", re.MULTILINE)


def guideline_section(text: str, label: str) -> str | None:
    """The Markdown section whose heading names `label` (e.g. `## positive`), if any."""
    matches = list(_SECTION.finditer(text))
    for index, match in enumerate(matches):
        title = match.group("title").strip("`* ").lower()
        if title == label.lower() or title.startswith(label.lower() + " "):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            return text[match.end() : end].strip() or None
    return None
