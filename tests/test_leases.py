"""Leasing a locked item counts its room in the same statement: a full item is not leased."""

from __future__ import annotations

from storage import leases
from storage.db import SessionFactory, unit_of_work
from storage.models import Item, LeaseStatus, utcnow
from tests.factories import add_items, create_project, make_spec


def _item(sessions: SessionFactory, required: int) -> int:
    with unit_of_work(sessions) as session:
        project = create_project(session, make_spec())
        (item_id,) = add_items(session, project, ["one"], required_answers=required)
        return item_id


def test_a_lease_is_taken_while_answers_and_other_leases_leave_a_slot(
    session_factory: SessionFactory,
) -> None:
    item_id = _item(session_factory, required=2)
    now = utcnow()
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        first = leases.lease_if_room(session, item, "U1", now, 30)
        second = leases.lease_if_room(session, item, "U2", now, 30)
        third = leases.lease_if_room(session, item, "U3", now, 30)
        assert first is not None and second is not None
        assert third is None  # two people hold the two slots
        assert first.status is LeaseStatus.ACTIVE and first.annotator == "U1"
    with unit_of_work(session_factory) as session:
        held = leases.others_holding_count(session, item_id, "nobody", now)
        assert held == 2


def test_answers_already_given_count_against_the_room(session_factory: SessionFactory) -> None:
    item_id = _item(session_factory, required=2)
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.answer_count = 2
        assert leases.lease_if_room(session, item, "U1", utcnow(), 30) is None


def test_a_persons_own_lease_does_not_count_against_them(
    session_factory: SessionFactory,
) -> None:
    item_id = _item(session_factory, required=1)
    now = utcnow()
    with unit_of_work(session_factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert leases.lease_if_room(session, item, "U1", now, 30) is not None
        assert leases.others_holding_count(session, item_id, "U1", now) == 0
        assert leases.others_holding_count(session, item_id, "U2", now) == 1
