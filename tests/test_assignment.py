"""Who gets which item: overlap, leases, order, gold mixing, never the same item twice."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.assignment import assign_next
from bot.domain.completion import refresh_item
from bot.domain.labeling import (
    AnswerStatus,
    answer_card,
    answer_in_channel,
)
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, Item, utcnow
from tests.factories import add_items, create_project, make_spec


def project_with(session: Session, texts: list[str], **spec: object):  # type: ignore[no-untyped-def]
    project = create_project(session, make_spec(**spec))  # type: ignore[arg-type]
    ids = add_items(session, project, texts)
    return project, ids


def answer_leased_item(  # type: ignore[no-untyped-def]
    session: Session, project, user: str, *, lease_id: int, value: object, now=None
):
    """The DM card's answer, as a click records it (the card names its project and lease)."""
    return answer_card(
        session, user, project_id=project.id, lease_id=lease_id, value=value, now=now
    ).result


def take(session: Session, project, user: str, now=None):  # type: ignore[no-untyped-def]
    return assign_next(session, project, user, now or utcnow(), random.Random(1))


def test_nobody_gets_the_same_item_twice(session_factory: SessionFactory) -> None:
    with unit_of_work(session_factory) as session:
        project, ids = project_with(session, ["a", "b"], overlap=2)
        first = take(session, project, "U1")
        answer_leased_item(session, project, "U1", lease_id=first.lease.id, value="positive")
        second = take(session, project, "U1")
        assert second is not None and second.item.id != first.item.id


def test_leases_keep_concurrent_annotators_from_overshooting_the_overlap(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, ids = project_with(session, ["only"], overlap=2)
        assert take(session, project, "U1") is not None
        assert take(session, project, "U2") is not None
        assert take(session, project, "U3") is None


def test_expired_leases_return_the_item_to_the_queue(session_factory: SessionFactory) -> None:
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["only"], overlap=1)
        now = utcnow()
        assert take(session, project, "U1", now) is not None
        assert take(session, project, "U2", now) is None
        later = now + timedelta(minutes=11)
        assert take(session, project, "U2", later) is not None


def test_an_expired_holder_cannot_overshoot_after_the_item_was_reassigned(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["only"], overlap=1)
        now = utcnow()
        slow = take(session, project, "U1", now)
        later = now + timedelta(minutes=11)
        fast = take(session, project, "U2", later)
        answer_leased_item(
            session, project, "U2", lease_id=fast.lease.id, value="neutral", now=later
        )
        result = answer_leased_item(
            session, project, "U1", lease_id=slow.lease.id, value="positive", now=later
        )
        assert result.status is AnswerStatus.STALE


def test_a_held_item_is_resumed_rather_than_a_new_one_handed_out(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["a", "b"])
        first = take(session, project, "U1")
        again = take(session, project, "U1")
        assert again.lease.id == first.lease.id


def test_items_nearer_completion_come_first_then_priority_then_uncertainty(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, ids = project_with(
            session, ["plain", "urgent", "unsure model", "half done"], overlap=2
        )
        items = {i: session.get(Item, i) for i in ids}
        items[ids[1]].priority = 5
        items[ids[2]].prediction_score = 0.4
        items[ids[2]].priority = 5
        session.add(
            Annotation(item_id=ids[3], project_id=project.id, annotator="U0", value="positive")
        )
        session.flush()
        refresh_item(session, items[ids[3]], make_spec(overlap=2))
        order = []
        for _ in ids:
            assignment = take(session, project, "U1")
            order.append(assignment.item.data["text"])
            answer_leased_item(
                session, project, "U1", lease_id=assignment.lease.id, value="positive"
            )
        assert order == ["half done", "unsure model", "urgent", "plain"]


def test_gold_items_are_mixed_in_at_the_configured_rate(session_factory: SessionFactory) -> None:
    with unit_of_work(session_factory) as session:
        project, ids = project_with(
            session, [f"t{i}" for i in range(200)], gold={"rate": 0.25, "feedback": True}
        )
        for item_id in ids[:100]:
            item = session.get(Item, item_id)
            item.is_gold, item.gold_answer = True, "positive"
        session.flush()
        rng = random.Random(3)
        gold = 0
        for n in range(80):
            assignment = assign_next(session, project, f"U{n}", utcnow(), rng)
            gold += assignment.item.is_gold
            answer_leased_item(
                session, project, f"U{n}", lease_id=assignment.lease.id, value="positive"
            )
        assert 10 <= gold <= 32


def test_a_completed_item_gets_its_consensus_label(session_factory: SessionFactory) -> None:
    with unit_of_work(session_factory) as session:
        project, (item_id,) = project_with(
            session, ["x"], overlap=3, review={"agreement_threshold": 0.6}
        )
        for user, value in (("U1", "positive"), ("U2", "positive"), ("U3", "negative")):
            lease = take(session, project, user).lease
            answer_leased_item(session, project, user, lease_id=lease.id, value=value)
        item = session.get(Item, item_id)
        assert (item.status.value, item.final_label, item.final_method.value) == (
            "complete",
            "positive",
            "consensus",
        )


def test_a_card_for_an_item_already_answered_elsewhere_stores_nothing_twice(
    session_factory: SessionFactory,
) -> None:
    """The person answered the item in channel mode while its DM card was open: the card's
    answer is refused as a duplicate and the channel answer stays the only current one."""
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["only"], overlap=3)
        card = take(session, project, "U1")
        in_channel = answer_in_channel(
            session, project, "U1", item_id=card.item.id, value="negative"
        )
        assert in_channel.status is AnswerStatus.RECORDED
        result = answer_leased_item(
            session, project, "U1", lease_id=card.lease.id, value="positive"
        )
        assert result.status is AnswerStatus.DUPLICATE
        stored = session.scalars(select(Annotation).where(Annotation.annotator == "U1")).all()
        assert [a.value for a in stored] == ["negative"]
        assert card.item.answer_count == 1
        # The card's lease is done: the person is not handed the item they answered again.
        assert take(session, project, "U1") is None


def test_a_recorded_answer_is_a_full_row_without_reloading(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["only"], overlap=2)
        card = take(session, project, "U1")
        result = answer_leased_item(
            session, project, "U1", lease_id=card.lease.id, value="positive"
        )
        annotation = result.annotation
        assert annotation is not None and annotation.id is not None
        assert session.get(Annotation, annotation.id) is annotation
        assert (annotation.value, annotation.source.value, annotation.superseded_at) == (
            "positive",
            "slack",
            None,
        )
    with unit_of_work(session_factory) as session:
        stored = session.get(Annotation, annotation.id)
        assert stored is not None and stored.value == "positive" and stored.guideline_version


def test_a_card_naming_another_projects_lease_is_not_yours(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, _ = project_with(session, ["a"], slug="first")
        other, _ = project_with(session, ["b"], slug="second")
        card = take(session, other, "U1")
        project_id, lease_id = project.id, card.lease.id
    with unit_of_work(session_factory) as session:
        answer = answer_card(
            session, "U1", project_id=project_id, lease_id=lease_id, value="positive"
        )
        assert answer.project is not None and answer.project.id == project_id
        assert answer.result.status is AnswerStatus.NOT_YOURS
        assert session.scalars(select(Annotation)).all() == []


def test_a_repeated_card_answer_is_a_duplicate_and_the_next_pick_is_a_new_item(
    session_factory: SessionFactory,
) -> None:
    with unit_of_work(session_factory) as session:
        project, ids = project_with(session, ["a", "b"], overlap=1)
        card = take(session, project, "U1")
        project_id, lease_id = project.id, card.lease.id
    with unit_of_work(session_factory) as session:
        answer = answer_card(
            session, "U1", project_id=project_id, lease_id=lease_id, value="positive"
        )
        assert answer.result.status is AnswerStatus.RECORDED
        again = answer_card(
            session, "U1", project_id=project_id, lease_id=lease_id, value="positive"
        )
        assert again.result.status is AnswerStatus.DUPLICATE
        assert answer.project is not None
        nxt = assign_next(session, answer.project, "U1", utcnow(), random.Random(1), resume=False)
        assert nxt is not None and nxt.item.id != card.item.id
