"""Stream a project out as one self-contained record per item, then through a format writer.

A record carries the item's data, its final label and how it was decided (`final_method`:
consensus, adjudicated or gold), every annotation (superseded ones flagged), the latest
review's rationale and the review thread's discussion, so an export explains each label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.orm import Session

from bot.dataio.writers import ExportFormat, writer_for
from bot.projects.sync import project_spec
from storage import export_queries as q
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
        "status": row.status,
        "resolution": decode(row.resolution),
        "resolver": row.resolver,
        "resolution_note": row.resolution_note,
        "created_at": iso(row.created_at),
        "resolved_at": iso(row.resolved_at),
    }


def _record(
    item: Any, annotations: list[Any], review: Any, comments: list[Any], decode: Decoder
) -> dict[str, Any]:
    return {
        "external_id": item.external_id,
        "data": decode(item.data),
        "status": item.status,
        "final_label": decode(item.final_label),
        "final_method": item.final_method,
        "completed_at": iso(item.completed_at),
        "is_gold": item.is_gold,
        "gold_answer": decode(item.gold_answer),
        "prediction": decode(item.prediction),
        "prediction_score": item.prediction_score,
        "priority": item.priority,
        "required_answers": item.required_answers,
        "answer_count": item.answer_count,
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
    session: Session, project: Project, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export records in item id order (three extra queries per batch)."""
    decode = q.json_decoder(session)
    for items in q.item_batches(session, project.id, batch_size):
        ids = [item.id for item in items]
        annotations = q.annotations_by_item(session, ids)
        reviews = q.latest_review_by_item(session, ids)
        comments = q.discussion_by_item(session, ids)
        yield [
            _record(
                item,
                annotations.get(item.id, []),
                reviews.get(item.id),
                comments.get(item.id, []),
                decode,
            )
            for item in items
        ]


def export_project(
    session: Session,
    project: Project,
    fmt: ExportFormat,
    out: TextIO,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the project's items to `out`; returns how many. `progress` gets each batch's size.

    Raises ValueError before writing anything when the format cannot hold the task
    (Ground Truth has no free-text classification).
    """
    writer = writer_for(fmt, project_spec(project), project.slug)
    out.write(writer.begin())
    written = 0
    for batch in item_records(session, project, batch_size):
        out.write("".join(writer.item(record) for record in batch))
        written += len(batch)
        if progress:
            progress(len(batch))
    out.write(writer.end())
    return written
