"""The click path's writes without the ORM's unit of work: stored at once, the loaded objects
kept true, nothing left for a later flush, and nothing another transaction wrote undone."""

from __future__ import annotations

import random

from sqlalchemy import select, update

from bot.domain.assignment import assign_next
from storage.db import SessionFactory, unit_of_work
from storage.item_writes import set_lease_status, write_item_state
from storage.models import Item, ItemStatus, Lease, LeaseStatus, utcnow
from tests.factories import add_items, create_project, make_spec


def _leased(sessions: SessionFactory) -> tuple[int, int]:
    with unit_of_work(sessions) as session:
        project = create_project(session, make_spec())
        add_items(session, project, ["one", "two"])
        assignment = assign_next(session, project, "U1", utcnow(), random.Random(1))
        assert assignment is not None
        return assignment.lease.id, assignment.item.id


def test_a_lease_status_is_stored_at_once_and_leaves_nothing_to_flush(
    session_factory: SessionFactory,
) -> None:
    lease_id, _ = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        lease = session.get(Lease, lease_id)
        assert lease is not None
        set_lease_status(session, lease, LeaseStatus.ANSWERED)
        assert lease.status is LeaseStatus.ANSWERED
        assert not session.dirty  # no flush will visit it again
        stored = session.scalar(select(Lease.status).where(Lease.id == lease_id))
        assert stored is LeaseStatus.ANSWERED


def test_an_items_changed_decision_columns_are_stored_and_its_computed_column_kept_true(
    session_factory: SessionFactory,
) -> None:
    _, item_id = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.answer_count = 2
        item.status = ItemStatus.COMPLETE
        item.final_label = {"answer": ["a", "b"]}
        write_item_state(session, item)
        assert not session.dirty
        assert item.remaining_answers == item.required_answers - 2
    with unit_of_work(session_factory) as session:
        stored = session.get(Item, item_id)
        assert stored is not None
        assert (stored.answer_count, stored.status) == (2, ItemStatus.COMPLETE)
        assert stored.final_label == {"answer": ["a", "b"]}
        assert stored.remaining_answers == stored.required_answers - 2


def test_only_changed_columns_are_written_so_another_writers_change_survives(
    session_factory: SessionFactory,
) -> None:
    _, item_id = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        # Another writer (a lead) raises the overlap after this session loaded the item.
        session.execute(
            update(Item).where(Item.id == item_id).values(required_answers=7),
            execution_options={"synchronize_session": False},
        )
        item.answer_count = 1
        write_item_state(session, item)
    with unit_of_work(session_factory) as session:
        stored = session.get(Item, item_id)
        assert stored is not None
        assert (stored.answer_count, stored.required_answers) == (1, 7)


def test_other_pending_changes_on_the_object_are_still_flushed(
    session_factory: SessionFactory,
) -> None:
    _, item_id = _leased(session_factory)
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.gold_note = "kept by the ordinary flush"
        item.answer_count = 1
        write_item_state(session, item)  # the note goes with the flush before its UPDATE
    with unit_of_work(session_factory) as session:
        stored = session.get(Item, item_id)
        assert stored is not None
        assert (stored.answer_count, stored.gold_note) == (1, "kept by the ordinary flush")
