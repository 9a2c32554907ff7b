"""Import existing annotations (a team's labeling history) for items already imported.

Input: CSV/JSON Lines/JSON rows of (item id, annotator, value), a Label Studio export whose
tasks carry `annotations`, or Prodigy JSONL (one answer per line; ignored and rejected answers
are skipped and counted, see `prodigy.AnswerReader`). Rows are resolved to items per batch; an
annotator who already has a current answer on the item is skipped, so re-importing adds
nothing. Each touched item is then refreshed by `refresh_item` (the one completion rule): like
a Slack answer, a complete but disputed item is sent to review, and a decided item's
`completed_at` is its latest answer's time. Same error contract as `item_import`: problems name
file and line, nothing is written once one is found, the caller rolls back on `ImportFailed`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dataio.annotations import AnnotationBuilder, AnnotationMapping, PendingAnnotation
from bot.dataio.item_import import DEFAULT_BATCH_SIZE, ImportSummary, Progress
from bot.dataio.problems import ProblemLog, RecordError
from bot.dataio.readers import RecordReader, SourceFormat, detect_format
from bot.domain.completion import refresh_item
from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from storage.bulk import (
    count_annotations,
    current_answerers,
    insert_annotations,
    item_ids_by_external_id,
)
from storage.models import Item, Project


class _Batch:
    """Resolve, de-duplicate, insert and refresh one batch of pending annotations."""

    def __init__(self, session: Session, project: Project, spec: ProjectSpec, log: ProblemLog):
        self.session, self.project, self.spec, self.log = session, project, spec, log

    def flush(self, pending: list[PendingAnnotation]) -> None:
        external_ids = {p.external_id for p in pending}
        ids = item_ids_by_external_id(self.session, self.project.id, external_ids)
        for entry in pending:
            if entry.external_id not in ids:
                self.log.add(
                    entry.line,
                    f"no item {entry.external_id!r} in project {self.project.slug!r} "
                    "(import the items first)",
                )
        if self.log.problems:
            return
        taken = current_answerers(self.session, ids.values())
        rows = []
        for entry in pending:
            key = (ids[entry.external_id], entry.row["annotator"])
            if key in taken:
                continue
            taken.add(key)
            rows.append({**entry.row, "item_id": key[0]})
        insert_annotations(self.session, rows)
        self._refresh({row["item_id"] for row in rows})

    def _refresh(self, item_ids: set[int]) -> None:
        if not item_ids:
            return
        items = list(self.session.scalars(select(Item).where(Item.id.in_(sorted(item_ids)))))
        for item in items:
            refresh_item(self.session, item, self.spec)  # routes a disputed item to review
        self.session.flush()
        for item in items:
            self.session.expunge(item)


def import_annotations(
    session: Session,
    project: Project,
    path: Path,
    *,
    fmt: SourceFormat = SourceFormat.AUTO,
    mapping: AnnotationMapping | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Add the file's annotations; raise `ImportFailed` (file:line problems) on bad input."""
    fmt = detect_format(path, fmt)
    mapping = mapping or AnnotationMapping()
    spec = project_spec(project)
    log = ProblemLog(str(path))
    reader = RecordReader(path, fmt.container, log)
    builder = AnnotationBuilder(project.id, spec, mapping)
    batch = _Batch(session, project, spec, log)
    before = count_annotations(session, project.id)
    read = 0
    pending: list[PendingAnnotation] = []
    tasks: bool | None = None
    for record in reader:
        if tasks is None:
            tasks = fmt is SourceFormat.LABEL_STUDIO or (
                fmt is SourceFormat.JSON and "annotations" in record.fields
            )
            missing = [c for c in builder.required_columns() if c not in record.fields]
            if missing and fmt is SourceFormat.CSV:
                log.add(
                    1,
                    f"missing column(s) {', '.join(missing)} (the file has: "
                    f"{', '.join(record.fields)})",
                )
                break
        try:
            if tasks:
                found = list(
                    builder.from_label_studio(record.line, record.fields, mapping.id_field)
                )
            elif fmt is SourceFormat.PRODIGY:
                found = builder.from_prodigy(record.line, record.fields)
            else:
                found = [builder.from_record(record.line, record.fields)]
        except RecordError as exc:
            log.add(record.line, str(exc))
            if log.full:
                break
            continue
        read += len(found)
        pending.extend(found)
        if len(pending) >= batch_size:
            batch.flush(pending)
            pending = []
            if progress:
                progress(reader.bytes_read)
    batch.flush(pending)
    log.raise_if_any()
    if progress:
        progress(reader.bytes_read)
    inserted = count_annotations(session, project.id) - before
    return ImportSummary(
        read=read,
        inserted=inserted,
        already_present=read - inserted,
        skipped=dict(builder.skipped),
    )
