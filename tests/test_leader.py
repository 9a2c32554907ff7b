"""Only one process runs scheduled jobs; when it dies, another takes over."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.domain.review_routing import open_review
from bot.scheduling.leader import LeaderLock
from bot.scheduling.scheduler import UpkeepJobs
from storage.models import Item, ProcessedEvent, ReviewReason, utcnow
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness


def test_on_sqlite_one_holder_at_a_time_and_the_lock_passes_on_release(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    first, second = LeaderLock(url), LeaderLock(url)

    assert first.is_leader() is True
    assert first.is_leader() is True
    assert second.is_leader() is False
    first.release()
    assert second.is_leader() is True
    second.release()


@pytest.mark.xdist_group("postgres_advisory_lock")  # one server-wide lock: never in parallel
def test_on_postgresql_the_advisory_lock_moves_when_the_holder_dies(postgres_url: str) -> None:
    first, second = LeaderLock(postgres_url), LeaderLock(postgres_url)
    try:
        assert first.is_leader() is True
        assert second.is_leader() is False
        holder_pid = first._connection.info.backend_pid  # noqa: SLF001 - simulate a crash
        admin_url = make_url(postgres_url).set(drivername="postgresql")
        with psycopg.connect(
            admin_url.render_as_string(hide_password=False), autocommit=True
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (holder_pid,))
        assert second.is_leader() is True
        assert first.is_leader() is False
    finally:
        first.release()
        second.release()


def test_upkeep_forgets_old_event_ids_but_keeps_recent_ones(bot: BotHarness) -> None:
    with bot.session() as session:
        session.add(ProcessedEvent(event_id="Ev-old", received_at=utcnow() - timedelta(days=2)))
        session.add(ProcessedEvent(event_id="Ev-new"))
    upkeep = UpkeepJobs(bot.services, may_run=lambda: True)

    assert upkeep.forget_events() == 1
    with bot.session() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["Ev-new"]


def test_upkeep_does_nothing_when_this_process_is_not_the_leader(bot: BotHarness) -> None:
    with bot.session() as session:
        session.add(ProcessedEvent(event_id="Ev-old", received_at=utcnow() - timedelta(days=2)))
    upkeep = UpkeepJobs(bot.services, may_run=lambda: False)

    assert upkeep.forget_events() == 0 and upkeep.publish_reviews() == 0
    with bot.session() as session:
        assert session.scalar(select(func.count(ProcessedEvent.event_id))) == 1


def test_upkeep_posts_reviews_that_have_no_post_yet(bot: BotHarness) -> None:
    with bot.session() as session:
        spec = make_spec(slack={"leads": ["U0LEAD0001"], "review_channel": "C0REVIEW01"})
        [item_id] = add_items(session, create_project(session, spec), ["imported, disputed"])
        item = session.get(Item, item_id)
        assert item is not None
        open_review(session, item, ReviewReason.DISAGREEMENT)

    assert UpkeepJobs(bot.services, may_run=lambda: True).publish_reviews() == 1

    post = bot.fake.last("chat.postMessage")
    assert post["channel"] == "C0REVIEW01" and "imported, disputed" in post["text"] + str(
        post["blocks"]
    )
