"""One dataset row per item for the Hugging Face export: its id and fields, the decided label
(null while undecided, never a guess), how it was decided, and every current answer.

The columns are fixed by the project spec before the first item is read, so the Parquet
files can be streamed: the spec's display, media and metadata fields as text, and the label
as a class label for choice and rating tasks (a list of them for multi choice), text for free
text. Superseded answers are left out: they were replaced by the annotator, and the JSON
Lines export keeps them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.dataio.hf_features import (
    BOOL,
    FLOAT,
    STRING,
    UTC_TIME,
    ClassLabel,
    Columns,
    Feature,
    ListOf,
    Struct,
    Value,
)
from bot.projects.spec import ProjectSpec, TaskKind

#: The columns every dataset has, around the item's own fields (which come after `id`).
LABEL_COLUMNS = ("label", "label_method", "confidence", "status", "is_gold", "guideline_version")
RESERVED = frozenset({"id", *LABEL_COLUMNS, "answers"})


class LabelCodec:
    """A task's labels as dataset values: class indices for choices, the text for free text."""

    def __init__(self, spec: ProjectSpec) -> None:
        self.kind = spec.task.kind
        self.names = tuple(spec.task.choice_values)
        self.index = {name: position for position, name in enumerate(self.names)}

    @property
    def feature(self) -> Feature:
        if self.kind is TaskKind.FREE_TEXT:
            return Value(STRING)
        if self.kind is TaskKind.MULTI_CHOICE:
            return ListOf(ClassLabel(self.names))
        return ClassLabel(self.names)

    def encode(self, value: Any, external_id: str) -> Any:
        """The dataset value of a stored label; ValueError for a label that is no longer one
        of the task's choices (a choice removed from the project file)."""
        if value is None or self.kind is TaskKind.FREE_TEXT:
            return value
        if self.kind is TaskKind.MULTI_CHOICE:
            return sorted(self._position(v, external_id) for v in value)
        return self._position(value, external_id)

    def _position(self, value: Any, external_id: str) -> int:
        position = self.index.get(str(value))
        if position is None:
            raise ValueError(
                f"item {external_id!r} has the label {value!r}, which is not one of the task's "
                f"choices ({', '.join(self.names)}); put the choice back in the project file, "
                "or export as jsonl, which keeps any label"
            )
        return position


def field_keys(spec: ProjectSpec) -> list[str]:
    """The item data keys that become columns: display fields, media fields, metadata."""
    display = spec.display
    media = [display.image_field, display.audio_field, display.video_field]
    return list(dict.fromkeys([*spec.display_keys, *(m for m in media if m), *display.metadata]))


def column_name(key: str) -> str:
    """A field's column: its key, unless one of the dataset's own columns has that name."""
    return f"{key}_field" if key in RESERVED else key


class DatasetRows:
    """The dataset's columns (as features) and the row of each export record."""

    def __init__(self, spec: ProjectSpec) -> None:
        self.codec = LabelCodec(spec)
        self.keys = field_keys(spec)
        label = self.codec.feature
        answer = Struct(
            (
                ("annotator", Value(STRING)),
                ("label", label),
                ("unsure", Value(BOOL)),
                ("unsure_reason", Value(STRING)),
                ("seconds", Value(FLOAT)),
                ("guideline_version", Value(STRING)),
                ("source", Value(STRING)),
                ("created_at", Value(UTC_TIME)),
            )
        )
        self.columns: Columns = (
            ("id", Value(STRING)),
            *((column_name(key), Value(STRING)) for key in self.keys),
            ("label", label),
            ("label_method", Value(STRING)),
            ("confidence", Value(FLOAT)),
            ("status", Value(STRING)),
            ("is_gold", Value(BOOL)),
            ("guideline_version", Value(STRING)),
            ("answers", ListOf(answer)),
        )

    def row(self, record: dict[str, Any]) -> dict[str, Any]:
        external_id = record["external_id"]
        data = record["data"] or {}
        current = [a for a in record["annotations"] if not a["superseded"]]
        versions = [a["guideline_version"] for a in current if a["guideline_version"]]
        row: dict[str, Any] = {"id": external_id}
        for key in self.keys:
            row[column_name(key)] = _text(data.get(key))
        row |= {
            "label": self.codec.encode(record["final_label"], external_id),
            "label_method": record["final_method"],
            "confidence": record["confidence"],
            "status": record["status"],
            "is_gold": record["is_gold"],
            "guideline_version": versions[-1] if versions else None,
            "answers": [self._answer(a, external_id) for a in current],
        }
        return row

    def _answer(self, answer: dict[str, Any], external_id: str) -> dict[str, Any]:
        created = answer["created_at"]
        return {
            "annotator": answer["annotator"],
            "label": self.codec.encode(answer["value"], external_id),
            "unsure": answer["unsure"],
            "unsure_reason": answer["unsure_reason"],
            "seconds": answer["seconds"],
            "guideline_version": answer["guideline_version"],
            "source": answer["source"],
            "created_at": datetime.fromisoformat(created) if created else None,
        }


def _text(value: Any) -> str | None:
    """A field value as a text cell: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
