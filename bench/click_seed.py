"""The click bench's data: one project, N items (overlap 5) and M answers already stored.

Answers are spread as evenly as the items allow (1M answers on 300k items: 100k items with 4
answers, 200k with 3), each from a different one of 30 seed annotators, so every item still
takes one or two answers and the queue's "nearest completion first" order has work to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bot.domain.weighting import refit
from bot.projects.loader import LoadedProject
from bot.projects.spec import ProjectSpec, resolve_guidelines
from bot.projects.sync import sync_project
from storage import migrate
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.models import Annotation, GuidelineAck, Item, Lease, LeaseStatus, Project

ROOT = Path(__file__).resolve().parents[1]
OVERLAP = 5
SEED_ANNOTATORS = 30
BATCH = 10_000

SPEC = {
    "slug": "bench",
    "title": "Bench sentiment",
    "guidelines": {"text": "## positive\nHappy.", "version": "v1"},
    "task": {
        "kind": "single_choice",
        "choices": [
            {"value": "positive", "text": "Positive"},
            {"value": "neutral", "text": "Neutral"},
            {"value": "negative", "text": "Negative"},
        ],
    },
    "display": {"fields": [{"key": "text"}]},
    "overlap": OVERLAP,
    "review": {"agreement_threshold": 0.0001},
    "slack": {"leads": ["U0LEAD0001"]},
}


def spec_for(consensus: str) -> ProjectSpec:
    """The bench project; with `dawid_skene`, weighted votes and adaptive overlap (5..6)."""
    extra = (
        {"consensus": {"method": "dawid_skene", "confidence": 0.99}, "max_overlap": 6}
        if consensus == "dawid_skene"
        else {}
    )
    return ProjectSpec.model_validate({**SPEC, **extra})


def answers_per_item(items: int, answers: int) -> Iterator[int]:
    """How many stored answers each item gets, in id order: `answers` in all, as even as can be."""
    if not 0 <= answers <= (OVERLAP - 1) * items:
        raise SystemExit(f"--answers must be between 0 and {(OVERLAP - 1) * items:,}")
    base, extra = divmod(answers, items)
    for index in range(items):
        yield base + (index < extra)


def seed(url: str, items: int, answers: int, consensus: str = "majority") -> int:
    """Fresh schema, the project, its items and answers (and, for `dawid_skene`, the project's
    model fitted on them, as the scheduler would have). Returns the project's id."""
    engine = make_engine(url)
    postgres = url.startswith("postgresql")
    if postgres:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(url)
    sessions = make_session_factory(engine)
    spec = spec_for(consensus)
    with unit_of_work(sessions) as session:
        sync_project(session, LoadedProject(Path("b.yml"), spec, resolve_guidelines(spec, ROOT)))
        project_id = session.scalars(select(Project.id)).one()
    now = datetime.now(UTC)
    counts = list(answers_per_item(items, answers))
    with engine.begin() as conn:
        for start in range(0, items, BATCH):
            ids = range(start + 1, min(items, start + BATCH) + 1)
            conn.execute(insert(Item), [_item(i, project_id, counts[i - 1], now) for i in ids])
            rows = [_answer(i, project_id, k, now) for i in ids for k in range(counts[i - 1])]
            if rows:
                conn.execute(insert(Annotation), rows)
    if postgres:
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('items_id_seq', (SELECT max(id) FROM items))"))
            conn.execute(text("ANALYZE"))
    else:  # on the driver's connection: SQLite refuses a checkpoint inside a transaction
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            raw.driver_connection.execute("ANALYZE")  # type: ignore[union-attr]
        finally:
            raw.close()
    if postgres:
        # A bulk load leaves PostgreSQL a vacuum of every new row (autovacuum's insert
        # threshold) and a checkpoint of the WAL it wrote; done here, the runs measure clicks
        # on a settled database instead of clicks beside that maintenance.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            conn.execute(text("CHECKPOINT"))
    if consensus == "dawid_skene":
        with unit_of_work(sessions) as session:
            refit(session, project_id, spec, datetime.now(UTC))
    engine.dispose()
    return project_id


def _item(i: int, project_id: int, answered: int, now: datetime) -> dict[str, Any]:
    return {
        "id": i,
        "project_id": project_id,
        "external_id": f"e{i}",
        "data": {"text": f"review number {i}: it was fine"},
        "source": "bench",
        "priority": 0,
        "required_answers": OVERLAP,
        "answer_count": answered,
        "is_gold": False,
        "status": "open",
        "created_at": now,
    }


def _answer(i: int, project_id: int, k: int, now: datetime) -> dict[str, Any]:
    return {
        "item_id": i,
        "project_id": project_id,
        "annotator": f"U0SEED{(i + k) % SEED_ANNOTATORS:04d}",
        "value": "positive",
        "unsure": False,
        "guideline_version": "v1",
        "seconds": 4.0,
        "source": "import",
        "created_at": now,
    }


def first_leases(url: str, project_id: int, users: list[str], last_item: int) -> list[int]:
    """Hand each annotator their first card (a lease) and mark the guidelines read, as `/label
    next` would; the server leases every later item itself after each click.

    The first cards are items `last_item`, `last_item - 1`, … counted down from the end of the
    queue, where the queue's own picks (from the front) will not have filled them.
    """
    engine = make_engine(url)
    now = datetime.now(UTC)
    leases = []
    with unit_of_work(make_session_factory(engine)) as session:
        for index, user in enumerate(users):
            lease = Lease(
                item_id=last_item - index,
                project_id=project_id,
                annotator=user,
                status=LeaseStatus.ACTIVE,
                shown_at=now,
                expires_at=now + timedelta(hours=1),
            )
            session.add(lease)
            session.add(GuidelineAck(project_id=project_id, user_id=user, version="v1"))
            session.flush()
            leases.append(lease.id)
    engine.dispose()
    return leases
