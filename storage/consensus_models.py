"""Persistence for weighted consensus: the answers a fit reads, fitted models, quarantines.

Models are rows of `consensus_models`, one per fit; the newest version of a project is the
one every process scores with. Only the latest `KEEP_VERSIONS` fits are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Annotation, ConsensusModel, Item, Quarantine

KEEP_VERSIONS = 20


def sure_answers(session: Session, project_id: int) -> Iterator[tuple[int, str, str]]:
    """(item id, annotator, answer as JSON text) of every current, sure answer of a project,
    streamed: what a Dawid–Skene fit reads."""
    query = (
        select(Annotation.item_id, Annotation.annotator, cast(Annotation.value, Text))
        .where(
            Annotation.project_id == project_id,
            Annotation.superseded_at.is_(None),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .execution_options(yield_per=20_000)
    )
    for item_id, annotator, raw in session.execute(query):
        yield int(item_id), str(annotator), str(raw)


def gold_answers(session: Session, project_id: int) -> dict[int, str]:
    """Item id -> gold answer (JSON text) of the project's gold items."""
    rows = session.execute(
        select(Item.id, cast(Item.gold_answer, Text)).where(
            Item.project_id == project_id, Item.is_gold.is_(True), Item.gold_answer.is_not(None)
        )
    )
    return {int(item_id): str(raw) for item_id, raw in rows}


def count_sure_answers(session: Session, project_id: int) -> int:
    query = select(func.count()).where(
        Annotation.project_id == project_id,
        Annotation.superseded_at.is_(None),
        Annotation.unsure.is_(False),
    )
    return int(session.scalar(query) or 0)


def latest(session: Session, project_id: int) -> ConsensusModel | None:
    return session.scalars(
        select(ConsensusModel)
        .where(ConsensusModel.project_id == project_id)
        .order_by(ConsensusModel.version.desc())
        .limit(1)
    ).first()


def latest_version(session: Session, project_id: int) -> int | None:
    return session.scalar(
        select(func.max(ConsensusModel.version)).where(ConsensusModel.project_id == project_id)
    )


def store(
    session: Session,
    project_id: int,
    *,
    answers: int,
    items: int,
    params: dict[str, Any],
    now: datetime,
) -> ConsensusModel:
    """Add the next version and drop versions older than the last `KEEP_VERSIONS`."""
    version = (latest_version(session, project_id) or 0) + 1
    row = ConsensusModel(
        project_id=project_id,
        version=version,
        answers=answers,
        items=items,
        params=params,
        fitted_at=now,
    )
    session.add(row)
    session.execute(
        delete(ConsensusModel).where(
            ConsensusModel.project_id == project_id,
            ConsensusModel.version <= version - KEEP_VERSIONS,
        )
    )
    session.flush()
    return row


def active_quarantine(session: Session, project_id: int, annotator: str) -> Quarantine | None:
    return session.scalars(
        select(Quarantine).where(
            Quarantine.project_id == project_id,
            Quarantine.annotator == annotator,
            Quarantine.released_at.is_(None),
        )
    ).first()


def quarantines(session: Session, project_id: int) -> list[Quarantine]:
    """Every quarantine of the project, newest first (released ones included)."""
    return list(
        session.scalars(
            select(Quarantine)
            .where(Quarantine.project_id == project_id)
            .order_by(Quarantine.created_at.desc(), Quarantine.id.desc())
        )
    )


def last_release(session: Session, project_id: int, annotator: str) -> datetime | None:
    return session.scalar(
        select(func.max(Quarantine.released_at)).where(
            Quarantine.project_id == project_id, Quarantine.annotator == annotator
        )
    )


def answers_since(session: Session, project_id: int, annotator: str, since: datetime) -> int:
    query = select(func.count()).where(
        Annotation.project_id == project_id,
        Annotation.annotator == annotator,
        Annotation.created_at >= since,
    )
    return int(session.scalar(query) or 0)


def release(session: Session, quarantine_id: int, *, by: str, now: datetime) -> bool:
    """Lift an active quarantine; False if it was already lifted (a second click)."""
    result = session.execute(
        update(Quarantine)
        .where(Quarantine.id == quarantine_id, Quarantine.released_at.is_(None))
        .values(released_at=now, released_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
