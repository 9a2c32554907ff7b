"""Turn one input record into one `items` row, checking it against the project's spec."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bot.dataio import label_studio
from bot.dataio.labels import LabelChecker, is_blank
from bot.dataio.problems import RecordError, check_size
from bot.projects.spec import ProjectSpec

#: Column names used when no option names them; each is optional in the file.
DEFAULT_ID_FIELD = "id"
DEFAULT_GOLD_FIELD = "gold"
DEFAULT_PREDICTION_FIELD = "prediction"
DEFAULT_SCORE_FIELD = "score"
DEFAULT_PRIORITY_FIELD = "priority"


@dataclass(frozen=True)
class ItemMapping:
    """Which input column feeds what. A field named explicitly must exist in every record;
    a default name (`id`, `gold`, `prediction`, `score`, `priority`) is used when present."""

    id_field: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    gold_field: str | None = None
    prediction_field: str | None = None
    score_field: str | None = None
    priority_field: str | None = None

    def special(self) -> dict[str, tuple[str, bool]]:
        """Role -> (column, required) for the columns that are not item data."""
        pairs = {
            "id": (self.id_field, DEFAULT_ID_FIELD),
            "gold": (self.gold_field, DEFAULT_GOLD_FIELD),
            "prediction": (self.prediction_field, DEFAULT_PREDICTION_FIELD),
            "score": (self.score_field, DEFAULT_SCORE_FIELD),
            "priority": (self.priority_field, DEFAULT_PRIORITY_FIELD),
        }
        return {
            role: (given or default, given is not None) for role, (given, default) in pairs.items()
        }


def content_id(data: dict[str, Any]) -> str:
    """A stable id from the item's content, so files without ids re-import idempotently."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


class ItemBuilder:
    """Builds row dicts for bulk insert; constant per import (project, spec, file name)."""

    def __init__(self, project_id: int, spec: ProjectSpec, mapping: ItemMapping, source_ref: str):
        self.project_id = project_id
        self.spec = spec
        self.mapping = mapping
        self.source_ref = source_ref[:500]
        self.labels = LabelChecker(spec.task)
        self.roles = mapping.special()
        self.special_columns = {column for column, _ in self.roles.values()}
        self.renamed = {column: key for key, column in mapping.fields.items()}
        self.required_keys = spec.display_keys

    def missing_columns(self, columns: set[str]) -> list[str]:
        """Required columns absent from a CSV header (reported once, not per row)."""
        needed = [self.mapping.fields.get(key, key) for key in self.required_keys]
        needed += [column for column, required in self.roles.values() if required]
        return [column for column in needed if column not in columns]

    def from_record(self, fields: dict[str, Any]) -> dict[str, Any]:
        data = self._data(fields)
        gold = self._optional(fields, "gold")
        prediction = self._optional(fields, "prediction")
        return self._row(
            external_id=self._external_id(fields, data),
            data=data,
            gold=None if is_blank(gold) else self.labels.check(gold, "the gold answer"),
            prediction=None
            if is_blank(prediction)
            else self.labels.check(prediction, "the prediction"),
            score=_number(self._optional(fields, "score"), "the score", float),
            priority=_number(self._optional(fields, "priority"), "the priority", int),
        )

    def from_label_studio(self, task: dict[str, Any]) -> dict[str, Any]:
        raw = label_studio.task_data(task)
        data = self._data(raw)
        id_column = self.roles["id"][0]
        external_id = label_studio.external_id_of(task, id_column) or content_id(data)
        data.pop(id_column, None)
        prediction, score = label_studio.first_prediction(task)
        meta = task.get("meta")
        gold = meta.get("gold_answer") if isinstance(meta, dict) else None
        return self._row(
            external_id=external_id,
            data=data,
            gold=None if is_blank(gold) else self.labels.check(gold, "the gold answer"),
            prediction=None
            if is_blank(prediction)
            else self.labels.check(prediction, "the prediction"),
            score=score,
            priority=0,
        )

    def _data(self, fields: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for column, value in fields.items():
            if column in self.special_columns and column not in self.renamed:
                continue
            if isinstance(value, str):
                check_size(column, value)
            data[self.renamed.get(column, column)] = value
        missing = [key for key in self.required_keys if key not in data]
        if missing:
            columns = ", ".join(repr(self.mapping.fields.get(k, k)) for k in missing)
            raise RecordError(f"missing field(s) {columns} (the project displays them)")
        return data

    def _optional(self, fields: dict[str, Any], role: str) -> Any:
        column, required = self.roles[role]
        if required and column not in fields:
            raise RecordError(f"missing field {column!r}")
        return fields.get(column)

    def _external_id(self, fields: dict[str, Any], data: dict[str, Any]) -> str:
        raw = self._optional(fields, "id")
        if is_blank(raw):
            if self.roles["id"][1]:
                raise RecordError(f"empty id in field {self.roles['id'][0]!r}")
            return content_id(data)
        external_id = str(raw).strip()
        if len(external_id) > 255:
            raise RecordError("the id is longer than 255 characters")
        return external_id

    def _row(self, **values: Any) -> dict[str, Any]:
        gold = values["gold"]
        return {
            "project_id": self.project_id,
            "external_id": values["external_id"],
            "data": values["data"],
            "source": "import",
            "source_ref": self.source_ref,
            "priority": values["priority"] or 0,
            "required_answers": self.spec.overlap,
            "is_gold": gold is not None,
            "gold_answer": gold,
            "prediction": values["prediction"],
            "prediction_score": values["score"],
        }


def _number(raw: Any, what: str, kind: type[int] | type[float]) -> Any:
    if is_blank(raw):
        return None
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise RecordError(f"{what} must be a number, found {raw!r}") from None
