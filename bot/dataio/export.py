"""Stream a project out as one self-contained record per item, then through a format writer.

A record carries the item's data, its final label and how it was decided (`final_method`:
consensus, adjudicated or gold; both null while the item is undecided, with `votes` showing
the split of its current answers), every annotation (superseded ones flagged), the latest
review's rationale and the review thread's discussion, so an export explains each label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.orm import Session

from bot.dataio.export_json import sqlite_line
from bot.dataio.formats import CsvLayout, ExportFormat
from bot.dataio.writers import JsonLinesWriter, writer_for
from bot.domain.consensus import votes
from bot.projects.sync import project_spec
from storage import export_queries
from storage.models import Project

DEFAULT_BATCH_SIZE = 2_000
Decoder = Callable[[Any], Any]

__all__ = ["ExportFormat", "export_project", "item_records"]


def iso(moment: datetime | str | None) -> str | None:
    """ISO 8601 in UTC. Raw SQLite timestamps are `YYYY-MM-DD HH:MM:SS[.ffffff]` strings in UTC
    (see `storage.export_queries`); PostgreSQL gives aware datetimes."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).isoformat() + "+00:00"
    if moment.tzinfo is None:
        return moment.isoformat() + "+00:00"
    return moment.astimezone(UTC).isoformat()


def _annotation(row: Any, decode: Decoder) -> dict[str, Any]:
    return {
        "annotator": row.annotator,
        "value": decode(row.value),
        "unsure": row.unsure,
        "unsure_reason": row.unsure_reason,
        "unsure_note": row.unsure_note,
        "seconds": row.seconds,
        "guideline_version": row.guideline_version,
        "source": row.source,
        "created_at": iso(row.created_at),
        "superseded": row.superseded_at is not None,
        "superseded_at": iso(row.superseded_at),
    }


def _review(row: Any, decode: Decoder) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "reason": row.reason,
        "reasons": decode(row.reasons),
        "status": row.status,
        "resolution": decode(row.resolution),
        "resolver": row.resolver,
        "resolution_note": row.resolution_note,
        "created_at": iso(row.created_at),
        "resolved_at": iso(row.resolved_at),
    }


def _votes(annotations: list[Any], decode: Decoder) -> dict[str, int]:
    """The current, sure answers counted by answer: how an undecided item is split."""
    return votes(
        [
            value
            for a in annotations
            if a.superseded_at is None and not a.unsure and (value := decode(a.value)) is not None
        ]
    )


def _record(
    item: Any, annotations: list[Any], review: Any, comments: list[Any], decode: Decoder
) -> dict[str, Any]:
    return {
        "external_id": item.external_id,
        "data": decode(item.data),
        "status": item.status,
        "final_label": decode(item.final_label),
        "final_method": item.final_method,
        "confidence": item.label_confidence,
        "completed_at": iso(item.completed_at),
        "is_gold": item.is_gold,
        "gold_answer": decode(item.gold_answer),
        "prediction": decode(item.prediction),
        "prediction_score": item.prediction_score,
        "priority": item.priority,
        "required_answers": item.required_answers,
        "answer_count": item.answer_count,
        "votes": _votes(annotations, decode),
        "source": item.source,
        "source_ref": item.source_ref,
        "created_at": iso(item.created_at),
        "annotations": [_annotation(a, decode) for a in annotations],
        "review": _review(review, decode),
        "discussion": [
            {"author": c.author, "text": c.text, "created_at": iso(c.created_at)} for c in comments
        ],
    }


def item_records(
    session: Session,
    project: Project,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after: int = 0,
    *,
    decided_only: bool = False,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export records in item id order: what every format writer consumes."""
    decode = export_queries.json_decoder(session)
    for items, answers, reviews, comments in export_queries.batches(
        session, project.id, batch_size, after=after, decided_only=decided_only
    ):
        yield [
            _record(
                item,
                answers.get(item.id, []),
                reviews.get(item.id),
                comments.get(item.id, []),
                decode,
            )
            for item in items
        ]


def _sqlite_lines(
    session: Session, project: Project, batch_size: int, decided_only: bool
) -> Iterator[list[str]]:
    """JSON Lines from SQLite-computed fragments (`export_json`); an item they cannot render
    exactly is rebuilt from its record, alone."""
    empty: list[Any] = []
    writer = JsonLinesWriter()
    for items, answers, reviews, comments in export_queries.batches(
        session, project.id, batch_size, fragments=True, decided_only=decided_only
    ):
        lines = []
        for item in items:
            key = item[0]
            line = sqlite_line(
                item, answers.get(key, empty), reviews.get(key), comments.get(key, empty)
            )
            if line is None:
                record = next(item_records(session, project, 1, after=key - 1))[0]
                line = writer.item(record)
            lines.append(line)
        yield lines


def _chunks(
    session: Session,
    project: Project,
    fmt: ExportFormat,
    batch_size: int,
    decided_only: bool,
    layout: CsvLayout = CsvLayout.WIDE,
) -> Iterator[tuple[int, str]]:
    """(items, text) per batch, between the writer's header and footer."""
    writer = writer_for(fmt, project_spec(project), project.slug, layout)
    yield 0, writer.begin()
    if fmt is ExportFormat.JSONL and session.get_bind().dialect.name == "sqlite":
        for lines in _sqlite_lines(session, project, batch_size, decided_only):
            yield len(lines), "".join(lines)
    else:
        for batch in item_records(session, project, batch_size, decided_only=decided_only):
            yield len(batch), "".join([writer.item(record) for record in batch])
    yield 0, writer.end()


def export_project(
    session: Session,
    project: Project,
    fmt: ExportFormat,
    out: TextIO,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    decided_only: bool = False,
    layout: CsvLayout = CsvLayout.WIDE,
) -> int:
    """Write the project's items to `out`; returns how many. `progress` gets each batch's size.

    An undecided item (open or in review) is written with no final label, only its `votes`;
    `decided_only` leaves such items out.

    Raises ValueError before writing anything when the format cannot hold the task
    (Ground Truth has no free-text classification) or the layout (`long` is CSV only).
    """
    written = 0
    for count, text in _chunks(session, project, fmt, batch_size, decided_only, layout):
        out.write(text)
        if count:
            written += count
            if progress:
                progress(count)
    return written
