"""A project as a Hugging Face dataset: one Parquet file per split and a README.md dataset card.

The layout is the Hub's own (`data/<split>-00000-of-00001.parquet`), which
`datasets.load_dataset("parquet", data_dir=DIR)`, `load_dataset(DIR)` and a Hub repository all
read. Items stream in batches through one `ParquetWriter` per split, so memory stays flat;
only the split plan holds a few bytes per item (`bot.dataio.splits`). Needs pyarrow (the
`parquet` extra), imported by this module alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from bot.dataio import dataset_card
from bot.dataio.dataset_rows import DatasetRows
from bot.dataio.dataset_summary import DatasetSummary, SplitTally
from bot.dataio.export import DEFAULT_BATCH_SIZE, item_records
from bot.dataio.hf_features import ClassLabel, Feature, ListOf, Struct, Value, schema_metadata
from bot.dataio.splits import ONE_SPLIT, SplitAssigner, SplitPlan
from bot.projects.spec import TaskKind
from bot.projects.sync import project_spec
from bot.reports.stats import agreement_figures
from storage import stats_quality
from storage.models import Project
from storage.split_queries import labels_in_id_order

_ARROW_VALUES = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "float64": pa.float64(),
    "timestamp[us, tz=UTC]": pa.timestamp("us", tz="UTC"),
}


def arrow_type(feature: Feature) -> Any:
    """The Arrow type `datasets` itself would give the feature (a class label is int64)."""
    if isinstance(feature, Value):
        return _ARROW_VALUES[feature.dtype]
    if isinstance(feature, ClassLabel):
        return pa.int64()
    if isinstance(feature, ListOf):
        return pa.list_(arrow_type(feature.feature))
    if isinstance(feature, Struct):
        return pa.struct([(name, arrow_type(inner)) for name, inner in feature.fields])
    raise TypeError(f"no Arrow type for {feature!r}")


def data_file(split: str) -> str:
    """A split's file, named as the Hub names a one-shard split."""
    return f"data/{split}-00000-of-00001.parquet"


class _SplitFiles:
    """One Parquet writer per split, opened at its first row, rows buffered per split so
    row groups stay large even when a split gets a tenth of each batch."""

    def __init__(self, directory: Path, schema: Any, group_rows: int) -> None:
        self.directory, self.schema, self.group_rows = directory, schema, group_rows
        self.writers: dict[str, Any] = {}
        self.buffers: dict[str, list[dict[str, Any]]] = {}

    def add(self, split: str, row: dict[str, Any]) -> None:
        buffer = self.buffers.setdefault(split, [])
        buffer.append(row)
        if len(buffer) >= self.group_rows:
            self._flush(split)

    def _flush(self, split: str) -> None:
        rows = self.buffers.pop(split, [])
        if not rows:
            return
        if split not in self.writers:
            path = self.directory / data_file(split)
            path.parent.mkdir(exist_ok=True)
            self.writers[split] = pq.ParquetWriter(path, self.schema)
        self.writers[split].write_table(pa.Table.from_pylist(rows, schema=self.schema))

    def finish(self) -> None:
        for split in list(self.buffers):
            self._flush(split)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def write_dataset(
    session: Session,
    project: Project,
    directory: Path,
    *,
    plan: SplitPlan = ONE_SPLIT,
    stratify: bool = False,
    seed: int = 0,
    decided_only: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    exported_on: date | None = None,
) -> DatasetSummary:
    """Write the split files and README.md into `directory` (empty, made by the caller).

    Raises ValueError, before writing anything, when there is no item to write, and while
    writing for a label the task no longer has.
    """
    spec = project_spec(project)
    exported_on = exported_on or datetime.now(UTC).date()
    labels = labels_in_id_order(session, project.id, decided_only=decided_only)
    assigner = SplitAssigner(plan, seed, labels, stratify=stratify)
    if not len(assigner):
        which = "decided items" if decided_only else "items"
        raise ValueError(f"{project.slug} has no {which} to export")
    layout = DatasetRows(spec)
    schema = pa.schema(
        [(name, arrow_type(feature)) for name, feature in layout.columns],
        metadata={"huggingface": json.dumps(schema_metadata(layout.columns))},
    )
    summary = DatasetSummary(
        plan,
        {name: SplitTally() for name in plan.names},
        per_label=spec.task.kind is not TaskKind.FREE_TEXT,
    )
    files = _SplitFiles(directory, schema, batch_size)
    try:
        for batch in item_records(session, project, batch_size, decided_only=decided_only):
            names = assigner.splits_of([record["external_id"] for record in batch])
            for record, split in zip(batch, names, strict=True):
                files.add(split, layout.row(record))
                summary.count(split, record)
            if progress:
                progress(len(batch))
        files.finish()
    finally:
        files.close()
    facts = dataset_card.CardFacts(
        spec=spec,
        guideline_version=project.guideline_version,
        summary=summary,
        stratify=stratify,
        seed=seed,
        decided_only=decided_only,
        columns=layout.columns,
        agreement=agreement_figures(stats_quality.agreement_sample(session, project.id), spec),
        exported_on=exported_on,
    )
    (directory / "README.md").write_text(dataset_card.render(facts), encoding="utf-8")
    return summary
