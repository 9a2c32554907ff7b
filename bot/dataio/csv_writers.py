"""The CSV export's two layouts: `wide`, one row per item, and `long`, one row per answer."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.projects.spec import ProjectSpec

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class _CsvText:
    """Rows to CSV text, a chunk at a time (the exporter streams the chunks)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\n")

    def _take(self, *rows: list[Any]) -> str:
        self.csv.writerows(rows)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def end(self) -> str:
        return ""


class CsvWriter(_CsvText):
    """One row per item; the spec's fields as columns, nested parts as JSON cells."""

    SCALARS = (
        "status",
        "final_label",
        "final_method",
        "confidence",
        "completed_at",
        "is_gold",
        "gold_answer",
    )
    TAIL = ("prediction", "prediction_score", "answer_count", "votes")
    REVIEW = ("reason", "status", "resolution", "resolver", "resolution_note")

    def __init__(self, spec: ProjectSpec) -> None:
        display = spec.display
        media = [display.image_field, display.audio_field, display.video_field]
        keys = [*spec.display_keys, *(m for m in media if m), *display.metadata]
        self.keys = list(dict.fromkeys(keys))
        self.columns = [
            "external_id",
            *self.keys,
            "data",
            *self.SCALARS,
            *self.TAIL,
            "annotations",
            *(f"review_{name}" for name in self.REVIEW),
            "discussion",
        ]
        super().__init__()

    def begin(self) -> str:
        return self._take(self.columns)

    def item(self, record: dict[str, Any]) -> str:
        data = record["data"]
        review = record["review"] or {}
        row = [
            record["external_id"],
            *(_cell(data.get(key)) for key in self.keys),
            _json(data),
            *(_cell(record[name]) for name in self.SCALARS),
            *(_cell(record[name]) for name in self.TAIL),
            _json(record["annotations"]),
            *(_cell(review.get(name)) for name in self.REVIEW),
            _json(record["discussion"]),
        ]
        return self._take(row)


class LongCsvWriter(_CsvText):
    """One row per answer, superseded ones included and flagged, with the item's final label
    and method repeated so answers can be compared with the decision without a join. An item
    nobody answered has no row. Cells are as in the wide layout (`a|b`, `true`, empty null)."""

    ANSWER = (
        "annotator",
        "value",
        "unsure",
        "unsure_reason",
        "unsure_note",
        "seconds",
        "guideline_version",
        "source",
        "created_at",
        "superseded",
        "superseded_at",
    )
    ITEM = ("final_label", "final_method")

    def begin(self) -> str:
        return self._take(["external_id", *self.ANSWER, *self.ITEM])

    def item(self, record: dict[str, Any]) -> str:
        if not record["annotations"]:
            return ""
        shared = [_cell(record[name]) for name in self.ITEM]
        return self._take(
            *(
                [record["external_id"], *(_cell(a[name]) for name in self.ANSWER), *shared]
                for a in record["annotations"]
            )
        )


def _cell(value: Any) -> str:
    """CSV cell text: lists of labels as `a|b` (what the importer accepts), null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)
