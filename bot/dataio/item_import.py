"""Import items from CSV, JSON Lines, a JSON array, Label Studio tasks or Prodigy JSONL.

The file is streamed record by record and inserted in batches with `INSERT ... ON CONFLICT
DO NOTHING` on (project, external id), so memory stays flat and re-importing a file adds
nothing. Every record is checked first (required fields, labels, sizes); once any problem is
found nothing more is written and scanning continues to report up to `MAX_PROBLEMS`, then
`ImportFailed` is raised. The caller owns the transaction and must roll it back on failure,
so a bad file never leaves a partial import behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.dataio.items import ItemBuilder, ItemMapping
from bot.dataio.problems import ProblemLog, RecordError
from bot.dataio.readers import RecordReader, SourceFormat, detect_format
from bot.projects.sync import project_spec
from storage.bulk import item_inserts
from storage.export_queries import count_items
from storage.models import Project

DEFAULT_BATCH_SIZE = 5_000
#: Called with the number of bytes read so far, after each batch.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportSummary:
    read: int
    inserted: int
    already_present: int
    #: Records that were not imported, by reason (Prodigy's ignored or rejected answers).
    skipped: dict[str, int] = field(default_factory=dict)


def _is_label_studio(fmt: SourceFormat, first: dict[str, Any]) -> bool:
    """Explicit `label-studio`, or a JSON array whose first object has a `data` object."""
    if fmt is SourceFormat.LABEL_STUDIO:
        return True
    return fmt is SourceFormat.JSON and isinstance(first.get("data"), dict)


def _scan(
    reader: RecordReader,
    builder: ItemBuilder,
    fmt: SourceFormat,
    log: ProblemLog,
    insert: Callable[[list[dict[str, Any]]], None],
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Check every record, inserting batches until the first problem; returns records read."""
    read = 0
    batch: list[dict[str, Any]] = []
    build: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    for record in reader:
        if build is None:
            tasks = _is_label_studio(fmt, record.fields)
            build = (
                builder.from_label_studio
                if tasks
                else builder.from_prodigy
                if fmt is SourceFormat.PRODIGY
                else builder.from_record
            )
            missing = [] if tasks else builder.missing_columns(set(record.fields))
            if missing and fmt is SourceFormat.CSV:
                found = ", ".join(record.fields)
                log.add(1, f"missing column(s) {', '.join(missing)} (the file has: {found})")
                break
        try:
            row = build(record.fields)
        except RecordError as exc:
            log.add(record.line, str(exc))
            if log.full:
                break
            continue
        read += 1
        if log.problems:
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            insert(batch)
            batch = []
            if progress:
                progress(reader.bytes_read)
    log.raise_if_any()
    insert(batch)
    if progress:
        progress(reader.bytes_read)
    return read


def import_items(
    session: Session,
    project: Project,
    path: Path,
    *,
    fmt: SourceFormat = SourceFormat.AUTO,
    mapping: ItemMapping | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Add the file's items to `project`; raise `ImportFailed` (file:line problems) on bad input."""
    fmt = detect_format(path, fmt)
    log = ProblemLog(str(path))
    reader = RecordReader(path, fmt.container, log)
    builder = ItemBuilder(project.id, project_spec(project), mapping or ItemMapping(), path.name)
    before = count_items(session, project.id)
    with item_inserts(session) as insert:
        read = _scan(reader, builder, fmt, log, insert, batch_size, progress)
    inserted = count_items(session, project.id) - before
    return ImportSummary(read=read, inserted=inserted, already_present=read - inserted)
