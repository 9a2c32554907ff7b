"""What a click reads comes in one round trip, and is never remembered past what changes it:
a new live card, a new guideline reading, the end of the transaction."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from bot.domain.assignment import assign_next
from bot.domain.guideline_acks import acknowledge_guidelines, version_read_by
from storage import live_cards
from storage.click_reads import lease_with_locked_item
from storage.db import SessionFactory, unit_of_work
from storage.models import utcnow
from tests.factories import add_items, create_project, make_spec


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _leased(sessions: SessionFactory) -> tuple[int, int]:
    with unit_of_work(sessions) as session:
        project = create_project(session, make_spec())
        add_items(session, project, ["one", "two"])
        acknowledge_guidelines(session, project, "U1", project.guideline_version)
        live_cards.make_live(session, project.id, "U1", "D1", "1.1", utcnow())
        assignment = assign_next(session, project, "U1", utcnow(), random.Random(1))
        assert assignment is not None
        return project.id, assignment.lease.id


def test_the_lease_item_project_live_card_and_guideline_reading_are_one_statement(
    engine: Engine, session_factory: SessionFactory
) -> None:
    project_id, lease_id = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        with statements(engine) as seen:
            found = lease_with_locked_item(session, lease_id)
            assert found is not None
            lease, _item, project = found
            assert live_cards.live_card(session, project_id, "U1") == ("D1", "1.1")
            assert version_read_by(session, project, "U1") == project.guideline_version
            assert lease_with_locked_item(session, lease_id) == found
        selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1


def test_a_new_live_card_is_seen_in_the_same_transaction(
    session_factory: SessionFactory,
) -> None:
    project_id, lease_id = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        lease_with_locked_item(session, lease_id)
        live_cards.make_live(session, project_id, "U1", "D1", "2.2", utcnow())
        assert live_cards.live_card(session, project_id, "U1") == ("D1", "2.2")


def test_nothing_read_is_remembered_into_the_next_transaction(
    session_factory: SessionFactory,
) -> None:
    project_id, lease_id = _leased(session_factory)
    session = session_factory()
    try:
        lease_with_locked_item(session, lease_id)
        session.commit()
        with unit_of_work(session_factory) as other:
            live_cards.make_live(other, project_id, "U1", "D1", "3.3", utcnow())
        assert live_cards.live_card(session, project_id, "U1") == ("D1", "3.3")
    finally:
        session.close()
