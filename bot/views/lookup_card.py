"""The lookup card (`/label item`): an item's content, how it was decided, and its history.

Pure rendering from an `ItemDetails` the flow assembled; all user text is escaped here
(annotator ids become mentions only when they look like Slack user ids, since imported
annotations may carry any name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.projects.spec import ProjectSpec
from bot.slack.ids import Action
from bot.views.blocks import (
    MAX_TEXT,
    Block,
    actions,
    button,
    cap_blocks,
    context,
    divider,
    fields_section,
    link,
    safe,
    section,
)
from bot.views.item_content import render_item_content
from bot.views.message import Message
from bot.views.people import mention

CONTENT_LIMIT = 1200
MAX_ANSWERS_SHOWN = 40


@dataclass(frozen=True)
class AnswerLine:
    annotator: str
    label: str
    created_at: datetime
    unsure: bool = False
    unsure_reason: str | None = None
    unsure_note: str | None = None
    seconds: float | None = None
    guideline_version: str | None = None
    superseded: bool = False
    imported: bool = False


@dataclass(frozen=True)
class ReviewLine:
    reason: str  # every reason, comma-separated
    status: str
    resolver: str | None = None
    note: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class ItemDetails:
    """Everything the card shows, read in one snapshot; labels already turned into text."""

    item_id: int
    external_id: str
    project_title: str
    spec: ProjectSpec
    data: dict[str, Any]
    status: str
    answer_count: int
    required_answers: int
    final_label: str | None
    final_method: str | None
    completed_at: datetime | None
    answers: list[AnswerLine] = field(default_factory=list)
    review: ReviewLine | None = None
    votes: list[tuple[str, int]] = field(default_factory=list)  # (label, answers), most first
    review_post: tuple[str, str] | None = None
    comments: int = 0
    gold: str | None = None
    gold_note: str | None = None
    prediction: str | None = None
    prediction_score: float | None = None
    can_relabel: bool = False


def slack_date(moment: datetime) -> str:
    """A date Slack shows in the reader's time zone, with a UTC fallback."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def answer_line(answer: AnswerLine) -> str:
    if answer.unsure:
        what = f"*Unsure* ({safe(answer.unsure_reason or 'no reason', 60)})"
        if answer.unsure_note:
            what += f": “{safe(answer.unsure_note, 300)}”"
    else:
        what = f"*{safe(answer.label, 200)}*"
    parts = [f"{mention(answer.annotator)} {what}", slack_date(answer.created_at)]
    if answer.seconds is not None:
        parts.append(f"{answer.seconds:.0f} s")
    if answer.guideline_version:
        parts.append(f"guidelines {safe(answer.guideline_version, 64)}")
    if answer.imported:
        parts.append("imported")
    line = " · ".join(parts)
    return f"• ~{line}~ _(superseded)_" if answer.superseded else f"• {line}"


def _answer_blocks(answers: list[AnswerLine]) -> list[Block]:
    """Answers as lines, packed into sections of at most 3000 characters."""
    if not answers:
        return [section("*Answers*\nNo answers yet.")]
    lines = [answer_line(a) for a in answers[:MAX_ANSWERS_SHOWN]]
    if len(answers) > MAX_ANSWERS_SHOWN:
        lines.append(f"…and {len(answers) - MAX_ANSWERS_SHOWN} more (see the export).")
    blocks: list[Block] = []
    chunk = f"*Answers* ({len(answers)})"
    for line in lines:
        if len(chunk) + 1 + len(line) > MAX_TEXT:
            blocks.append(section(chunk))
            chunk = line
        else:
            chunk += "\n" + line
    blocks.append(section(chunk))
    return blocks


def _summary_fields(details: ItemDetails) -> list[str]:
    status = safe(details.status.replace("_", " "), 40)
    fields = [f"*Status*\n{status} ({details.answer_count} of {details.required_answers} answers)"]
    if details.final_label is not None:
        how = safe(details.final_method or "unknown", 40)
        when = f", {slack_date(details.completed_at)}" if details.completed_at else ""
        fields.append(f"*Final label*\n*{safe(details.final_label, 300)}* ({how}{when})")
    else:
        split = " · ".join(f"{safe(label, 100)} {count}" for label, count in details.votes[:10])
        fields.append("*Final label*\nnot decided yet" + (f"\n_Votes:_ {split}" if split else ""))
    if details.gold is not None:
        note = f"\n{safe(details.gold_note, 500)}" if details.gold_note else ""
        fields.append(f"*Gold answer*\n{safe(details.gold, 300)}{note}")
    if details.prediction is not None:
        score = f" ({details.prediction_score:.2f})" if details.prediction_score is not None else ""
        fields.append(f"*Model prediction*\n{safe(details.prediction, 300)}{score}")
    return fields


def _review_text(details: ItemDetails) -> str:
    comments = f"{details.comments} comment{'s' if details.comments != 1 else ''} in the thread"
    review = details.review
    if review is None:
        return f"*Review:* never reviewed · {comments}"
    text = f"*Review:* {safe(review.status.replace('_', ' '), 40)} ({safe(review.reason, 40)})"
    if review.resolver:
        text += f" by {mention(review.resolver)}"
    if review.note:
        text += f": “{safe(review.note, 500)}”"
    if review.permalink:
        text += f" · {link(review.permalink, 'open the thread')}"
    return f"{text} · {comments}"


def _controls(details: ItemDetails) -> Block | None:
    value = str(details.item_id)
    elements: list[Block] = []
    in_review = details.review is not None and details.review.status == "open"
    if not in_review and details.gold is None:  # gold items are never reviewed
        elements.append(button("Send to review", Action.SEND_TO_REVIEW, value))
    if details.can_relabel:
        elements.append(button("Relabel", Action.RELABEL, value, style="danger"))
    return actions(elements, block_id=f"item{details.item_id}") if elements else None


def render_lookup_card(details: ItemDetails) -> Message:
    title = safe(details.project_title, 150)
    external = safe(details.external_id, 200)
    blocks: list[Block] = [section(f"*{title}* · item {details.item_id} · `{external}`")]
    content = render_item_content(
        details.spec, details.data, limit=min(CONTENT_LIMIT, details.spec.display.truncate_at)
    )
    blocks.extend(content.blocks)
    if content.truncated:
        blocks.append(context(["(shortened; the export has the full text)"]))
    blocks.append(divider())
    blocks.append(fields_section(_summary_fields(details)))
    blocks.extend(_answer_blocks(details.answers))
    blocks.append(section(_review_text(details)))
    controls = _controls(details)
    if controls is not None:
        blocks.append(controls)
    text = f"{details.project_title}: item {details.item_id} ({details.status})"
    return Message(blocks=cap_blocks(blocks), text=text)
