"""Turn input records into annotation rows (one record may hold several Label Studio answers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dataio import label_studio, prodigy
from bot.dataio.labels import LabelChecker, is_blank
from bot.dataio.paths import getter
from bot.dataio.problems import RecordError, check_size
from bot.projects.spec import ProjectSpec
from storage.models import AnnotationSource

ANNOTATOR_MAX = 64
DEFAULT_ID_FIELD = "id"
DEFAULT_ANNOTATOR_FIELD = "annotator"


@dataclass(frozen=True)
class AnnotationMapping:
    """Input columns for CSV/JSON annotation files (Label Studio and Prodigy files need none).
    Each may be a dotted path into nested objects (`meta.id`, see `paths`)."""

    id_field: str = DEFAULT_ID_FIELD
    annotator_field: str = DEFAULT_ANNOTATOR_FIELD
    value_field: str = "value"


@dataclass(frozen=True)
class PendingAnnotation:
    """An annotation waiting for its item id (resolved per batch from the external id)."""

    line: int
    external_id: str
    row: dict[str, Any]


class AnnotationBuilder:
    def __init__(self, project_id: int, spec: ProjectSpec, mapping: AnnotationMapping) -> None:
        self.project_id = project_id
        self.mapping = mapping
        self.labels = LabelChecker(spec.task)
        self.dotted = "." in mapping.id_field + mapping.annotator_field + mapping.value_field
        self.prodigy = prodigy.AnswerReader(spec.task)
        #: Prodigy lines that are not answers, by reason (`prodigy.IGNORED`, ...).
        self.skipped: Counter[str] = Counter()

    def required_columns(self) -> list[str]:
        m = self.mapping
        return [m.id_field, m.annotator_field, m.value_field]

    def from_record(self, line: int, fields: dict[str, Any]) -> PendingAnnotation:
        """Columns: id, annotator, value; optional unsure, unsure_reason, note, seconds,
        created_at (ISO 8601) and guideline_version."""
        m = self.mapping
        get = getter(fields, self.dotted)
        external_id = _text(get(m.id_field), m.id_field)
        unsure = _flag(fields.get("unsure"))
        row = self._row(
            annotator=_text(get(m.annotator_field), m.annotator_field),
            raw_value=get(m.value_field),
            unsure=unsure,
            unsure_reason=_optional_text(fields.get("unsure_reason")) if unsure else None,
            note=_optional_text(fields.get("note")),
            seconds=_seconds(fields.get("seconds")),
            created_at=_moment(fields.get("created_at")),
            guideline_version=_optional_text(fields.get("guideline_version")),
        )
        return PendingAnnotation(line, external_id, row)

    def from_label_studio(
        self, line: int, task: dict[str, Any], id_field: str | None
    ) -> Iterator[PendingAnnotation]:
        """One per annotation in the task that was not cancelled."""
        external_id = label_studio.external_id_of(task, id_field)
        if external_id is None:
            raise RecordError("the task has no id (`data.id`, `meta.external_id` or `id`)")
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            raise RecordError("`annotations` must be a list")
        for annotation in annotations:
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            annotator = label_studio.completed_by(annotation)
            if annotator is None:
                raise RecordError("an annotation has no `completed_by`")
            row = self._row(
                annotator=annotator,
                raw_value=label_studio.result_value(annotation.get("result", [])),
                unsure=False,
                unsure_reason=None,
                note=None,
                seconds=_seconds(annotation.get("lead_time")),
                created_at=_moment(annotation.get("created_at")),
                guideline_version=None,
            )
            yield PendingAnnotation(line, external_id, row)

    def from_prodigy(self, line: int, task: dict[str, Any]) -> list[PendingAnnotation]:
        """One answer, or none for a line that is not one (counted in `skipped`): see
        `prodigy.AnswerReader`. The item's id is found as `ItemBuilder.from_prodigy` finds it."""
        answer = self.prodigy.read(task)
        if isinstance(answer, str):
            self.skipped[answer] += 1
            return []
        m = self.mapping
        id_field = None if m.id_field == DEFAULT_ID_FIELD else m.id_field
        external_id = prodigy.external_id_of(task, id_field)
        if external_id is None:
            raise RecordError("the task has no id (`id`, `meta.external_id` or `_input_hash`)")
        annotator_field = (
            None if m.annotator_field == DEFAULT_ANNOTATOR_FIELD else m.annotator_field
        )
        row = self._row(
            annotator=prodigy.annotator_of(task, annotator_field),
            raw_value=answer.value,
            unsure=answer.unsure,
            unsure_reason=None,
            note=None,
            seconds=None,
            created_at=prodigy.timestamp_of(task),
            guideline_version=None,
        )
        return [PendingAnnotation(line, external_id, row)]

    def _row(self, *, annotator: str, raw_value: Any, unsure: bool, **rest: Any) -> dict[str, Any]:
        if len(annotator) > ANNOTATOR_MAX:
            raise RecordError(f"annotator id longer than {ANNOTATOR_MAX} characters")
        if isinstance(raw_value, str):
            check_size("value", raw_value)
        if is_blank(raw_value):
            if not unsure:
                raise RecordError("empty answer (mark it `unsure` or give a value)")
            value = None
        else:
            value = self.labels.check(raw_value, "the answer")
        return {
            "project_id": self.project_id,
            "annotator": annotator,
            "value": value,
            "unsure": unsure,
            "unsure_reason": rest["unsure_reason"],
            "unsure_note": rest["note"],
            "guideline_version": rest["guideline_version"],
            "seconds": rest["seconds"],
            "source": AnnotationSource.IMPORT,
            "created_at": rest["created_at"] or datetime.now(UTC),
        }


def _text(raw: Any, column: str) -> str:
    if is_blank(raw):
        raise RecordError(f"missing or empty field {column!r}")
    return str(raw).strip()


def _optional_text(raw: Any) -> str | None:
    return None if is_blank(raw) else str(raw)


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if is_blank(raw):
        return False
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n"}:
        return False
    raise RecordError(f"`unsure` must be true or false, found {raw!r}")


def _seconds(raw: Any) -> float | None:
    if is_blank(raw):
        return None
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise RecordError(f"seconds must be a number, found {raw!r}") from None
    if seconds < 0:
        raise RecordError("seconds must not be negative")
    return seconds


def _moment(raw: Any) -> datetime | None:
    """ISO 8601; a time without zone is taken as UTC."""
    if is_blank(raw):
        return None
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"created_at must be an ISO 8601 time, found {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
