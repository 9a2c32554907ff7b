"""Turn one input record into one `items` row, checking it against the project's spec."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.dataio import label_studio, prodigy
from bot.dataio.labels import LabelChecker, is_blank
from bot.dataio.paths import MISSING, getter, lookup
from bot.dataio.problems import SIZE_CHECK_CHARS, RecordError, check_size
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
    a default name (`id`, `gold`, `prediction`, `score`, `priority`) is used when present.
    A name may be a dotted path into nested objects (`meta.id`, see `paths`)."""

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


#: Starts every id made up by `content_id` (messages show no such id to people).
GENERATED_ID_PREFIX = "sha256:"


def content_id(data: dict[str, Any]) -> str:
    """A stable id from the item's content, so files without ids re-import idempotently."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return GENERATED_ID_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:32]


class ItemBuilder:
    """Builds row dicts for bulk insert; constant per import (project, spec, file name).

    Runs once per input record, so everything that depends only on the mapping and the spec
    (role columns, skipped and renamed columns) is worked out here, once.
    """

    def __init__(self, project_id: int, spec: ProjectSpec, mapping: ItemMapping, source_ref: str):
        self.project_id = project_id
        self.spec = spec
        self.mapping = mapping
        self.source_ref = source_ref[:500]
        self.labels = LabelChecker(spec.task)
        self.roles = mapping.special()
        self.renamed = {column: key for key, column in mapping.fields.items()}
        self.skipped = {column for column, _ in self.roles.values()} - self.renamed.keys()
        self.required_roles = [column for column, required in self.roles.values() if required]
        self.required_keys = spec.display_keys
        self.columns = {role: column for role, (column, _) in self.roles.items()}
        self.dotted = any("." in column for column in self.columns.values())
        id_column = self.columns["id"]
        #: A Prodigy task's id is looked up in the whole task (`_input_hash`, `meta...`).
        self.required_in_task_data = [c for c in self.required_roles if c != id_column]
        self.named = set(self.required_roles)
        self.skipped_if_named = self.skipped & (self.named | {id_column})

    def missing_columns(self, columns: set[str]) -> list[str]:
        """Required columns absent from a CSV header (reported once, not per row)."""
        needed = [self.mapping.fields.get(key, key) for key in self.required_keys]
        needed += self.required_roles
        return [column for column in needed if column not in columns]

    def from_record(self, fields: dict[str, Any]) -> dict[str, Any]:
        data = self._data(fields)
        if self.required_roles:
            self._require(fields, self.required_roles)
        get = fields.get if not self.dotted else getter(fields, True)
        return self._from_fields(data, get(self.columns["id"]), get)

    def from_prodigy(self, task: dict[str, Any]) -> dict[str, Any]:
        """A Prodigy task's input; repeated lines of one input (one per annotator or label)
        give the same id, and the insert keeps the first. Only named role fields are read (a
        task's own `score` and `priority` are Prodigy's active-learning model's): the rest
        stays in the data."""
        fields = prodigy.task_data(task)
        data = self._data(fields, self.skipped_if_named)
        self._require(fields, self.required_in_task_data)
        raw_id = prodigy.external_id_of(task, self.mapping.id_field)
        get, named = getter(fields, self.dotted), self.named
        return self._from_fields(
            data, raw_id, lambda column: get(column) if column in named else None
        )

    @staticmethod
    def _require(fields: dict[str, Any], columns: list[str]) -> None:
        for column in columns:
            if lookup(fields, column) is MISSING:
                raise RecordError(f"missing field {column!r}")

    def _from_fields(
        self, data: dict[str, Any], raw_id: Any, get: Callable[[str], Any]
    ) -> dict[str, Any]:
        columns = self.columns
        gold = get(columns["gold"])
        prediction = get(columns["prediction"])
        return self._row(
            self._external_id(raw_id, data),
            data,
            None if is_blank(gold) else self.labels.check(gold, "the gold answer"),
            None if is_blank(prediction) else self.labels.check(prediction, "the prediction"),
            _number(get(columns["score"]), "the score", float),
            _number(get(columns["priority"]), "the priority", int),
        )

    def from_label_studio(self, task: dict[str, Any]) -> dict[str, Any]:
        raw = label_studio.task_data(task)
        data = self._data(raw)
        id_column = self.columns["id"]
        external_id = label_studio.external_id_of(task, id_column) or content_id(data)
        data.pop(id_column, None)
        prediction, score = label_studio.first_prediction(task)
        meta = task.get("meta")
        gold = meta.get("gold_answer") if isinstance(meta, dict) else None
        return self._row(
            external_id,
            data,
            None if is_blank(gold) else self.labels.check(gold, "the gold answer"),
            None if is_blank(prediction) else self.labels.check(prediction, "the prediction"),
            score,
            0,
        )

    def _data(self, fields: dict[str, Any], skipped: set[str] | None = None) -> dict[str, Any]:
        renamed = self.renamed
        if skipped is None:
            skipped = self.skipped
        data: dict[str, Any] = {}
        for column, value in fields.items():
            if column in skipped:
                continue
            if isinstance(value, str) and len(value) > SIZE_CHECK_CHARS:
                check_size(column, value)
            data[renamed.get(column, column) if renamed else column] = value
        for key in self.required_keys:
            if key not in data:
                missing = [k for k in self.required_keys if k not in data]
                columns = ", ".join(repr(self.mapping.fields.get(k, k)) for k in missing)
                raise RecordError(f"missing field(s) {columns} (the project displays them)")
        return data

    def _external_id(self, raw: Any, data: dict[str, Any]) -> str:
        if is_blank(raw):
            if self.roles["id"][1]:
                raise RecordError(f"empty id in field {self.columns['id']!r}")
            return content_id(data)
        external_id = str(raw).strip()
        if len(external_id) > 255:
            raise RecordError("the id is longer than 255 characters")
        return external_id

    def _row(
        self,
        external_id: str,
        data: dict[str, Any],
        gold: Any,
        prediction: Any,
        score: float | None,
        priority: int | None,
    ) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "external_id": external_id,
            "data": data,
            "source": "import",
            "source_ref": self.source_ref,
            "priority": priority or 0,
            "required_answers": self.spec.overlap,
            "is_gold": gold is not None,
            "gold_answer": gold,
            "prediction": prediction,
            "prediction_score": score,
        }


def _number(raw: Any, what: str, kind: type[int] | type[float]) -> Any:
    if is_blank(raw):
        return None
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise RecordError(f"{what} must be a number, found {raw!r}") from None
