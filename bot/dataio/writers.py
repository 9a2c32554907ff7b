"""Export formats: each writer turns export records into text (header, one chunk per item,
footer), so the exporter can stream any of them to a file or stdout."""

from __future__ import annotations

import json
from typing import Any, Protocol

from bot.dataio import label_studio_config
from bot.dataio.csv_writers import CsvWriter, LongCsvWriter
from bot.dataio.formats import CsvLayout, ExportFormat
from bot.dataio.prodigy_writer import ProdigyWriter
from bot.domain.consensus import answer_key
from bot.projects.spec import ProjectSpec, TaskKind


class Writer(Protocol):
    def begin(self) -> str: ...
    def item(self, record: dict[str, Any]) -> str: ...
    def end(self) -> str: ...


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def _current_values(record: dict[str, Any]) -> list[Any]:
    """Values of current, sure answers: what consensus and confidence are computed from."""
    return [
        a["value"]
        for a in record["annotations"]
        if not a["superseded"] and not a["unsure"] and a["value"] is not None
    ]


class JsonLinesWriter:
    """The full record, one JSON object per line: the lossless format."""

    def begin(self) -> str:
        return ""

    def item(self, record: dict[str, Any]) -> str:
        return _json(record) + "\n"

    def end(self) -> str:
        return ""


class LabelStudioWriter:
    """A JSON array of Label Studio tasks; our own fields travel in `meta`."""

    def __init__(self, spec: ProjectSpec) -> None:
        self.spec = spec
        self.first = True

    def begin(self) -> str:
        return "["

    def item(self, record: dict[str, Any]) -> str:
        annotations = [
            {
                "completed_by": label_studio_config.completed_by(a["annotator"]),
                "result": label_studio_config.result_for(self.spec, a["value"]),
                "lead_time": a["seconds"],
                "created_at": a["created_at"],
                "was_cancelled": False,
                "ground_truth": False,
            }
            for a in record["annotations"]
            if not a["superseded"] and a["value"] is not None
        ]
        task: dict[str, Any] = {
            "data": record["data"],
            "meta": {
                "external_id": record["external_id"],
                "status": record["status"],
                "final_label": record["final_label"],
                "final_method": record["final_method"],
                "confidence": record["confidence"],
                "votes": record["votes"],
                "gold_answer": record["gold_answer"],
                "review": record["review"],
                "discussion": record["discussion"],
            },
            "annotations": annotations,
        }
        if record["prediction"] is not None:
            task["predictions"] = [
                {
                    "model_version": "imported",
                    "score": record["prediction_score"],
                    "result": label_studio_config.result_for(self.spec, record["prediction"]),
                }
            ]
        separator = "\n" if self.first else ",\n"
        self.first = False
        return separator + _json(task)

    def end(self) -> str:
        return "\n]\n"


class GroundTruthWriter:
    """SageMaker Ground Truth output-manifest lines (text or image classification).

    The label attribute is the project slug; its value is the class index (a list of indices
    for multi-label, with `class-map`). `confidence` is the share of current answers agreeing
    with the final label, 0.0 for a single worker as Ground Truth does, 1.0 for gold.
    """

    def __init__(self, spec: ProjectSpec, slug: str) -> None:
        if spec.task.kind is TaskKind.FREE_TEXT:
            raise ValueError("the ground-truth format holds classification labels, not free text")
        self.spec, self.slug = spec, slug
        self.choices = spec.task.choice_values
        self.multi = spec.task.kind is TaskKind.MULTI_CHOICE
        medium = "image" if spec.display.image_field else "text"
        self.type = f"groundtruth/{medium}-classification" + ("-multilabel" if self.multi else "")

    def begin(self) -> str:
        return ""

    def end(self) -> str:
        return ""

    def item(self, record: dict[str, Any]) -> str:
        data = record["data"]
        line: dict[str, Any] = {}
        if self.spec.display.image_field:
            line["source-ref"] = data.get(self.spec.display.image_field)
        else:
            line["source"] = data.get(self.spec.display_keys[0])
        line["external-id"] = record["external_id"]
        label = record["final_label"]
        if label is None:  # undecided: no label attribute, only the split (readers ignore it)
            line["votes"] = record["votes"]
            return _json(line) + "\n"
        values = _current_values(record)
        metadata: dict[str, Any] = {}
        if self.multi:
            indices = [self.choices.index(v) for v in label]
            line[self.slug] = indices
            metadata["class-map"] = {str(i): self.choices[i] for i in indices}
            metadata["confidence-map"] = {
                str(i): self._share(record, values, lambda v, c=self.choices[i]: c in v)
                for i in indices
            }
        else:
            line[self.slug] = self.choices.index(label)
            metadata["class-name"] = label
            key = answer_key(label)
            metadata["confidence"] = self._share(record, values, lambda v: answer_key(v) == key)
        metadata.update(
            {
                "type": self.type,
                "job-name": self.slug,
                "human-annotated": "yes",
                "creation-date": (record["completed_at"] or record["created_at"]).split("+")[0],
            }
        )
        line[f"{self.slug}-metadata"] = metadata
        self._rationale(line, record)
        return _json(line) + "\n"

    @staticmethod
    def _rationale(line: dict[str, Any], record: dict[str, Any]) -> None:
        """How the label was decided and the review discussion, as extra manifest keys
        (Ground Truth readers ignore keys they do not know)."""
        line["final-method"] = record["final_method"]
        review = record.get("review")
        if review and review.get("resolution_note"):
            line["rationale"] = review["resolution_note"]
        if record["discussion"]:
            line["discussion"] = record["discussion"]

    @staticmethod
    def _share(record: dict[str, Any], values: list[Any], agrees: Any) -> float:
        if record["final_method"] == "gold":
            return 1.0
        if record["final_method"] == "dawid_skene" and record["confidence"] is not None:
            return round(float(record["confidence"]), 4)  # the label's posterior
        if len(values) <= 1:
            return 0.0
        return round(sum(1 for v in values if agrees(v)) / len(values), 2)


def writer_for(
    fmt: ExportFormat, spec: ProjectSpec, slug: str, layout: CsvLayout = CsvLayout.WIDE
) -> Writer:
    """The format's writer; ValueError when the format cannot hold the task or the layout."""
    if fmt is ExportFormat.PARQUET:
        raise ValueError("parquet is a folder: `python -m bot export --format parquet -o DIR`")
    if layout is CsvLayout.LONG and fmt is not ExportFormat.CSV:
        raise ValueError("the long layout is a CSV layout (--format csv --layout long)")
    if fmt is ExportFormat.JSONL:
        return JsonLinesWriter()
    if fmt is ExportFormat.CSV:
        return LongCsvWriter() if layout is CsvLayout.LONG else CsvWriter(spec)
    if fmt is ExportFormat.LABEL_STUDIO:
        return LabelStudioWriter(spec)
    if fmt is ExportFormat.PRODIGY:
        return ProdigyWriter(spec, slug)
    return GroundTruthWriter(spec, slug)
