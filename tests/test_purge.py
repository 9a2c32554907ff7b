"""Erasure requests: a person's or an item's data leaves the database; the audit log says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.domain.purge import ERASED, pseudonym
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, AuditEvent, Comment, Item, Review, ReviewReason
from tests.factories import add_items, create_project, make_spec

runner = CliRunner()


@pytest.fixture
def data(
    session_factory: SessionFactory,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> list[int]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    with unit_of_work(session_factory) as session:
        project = create_project(session, make_spec(overlap=2))
        ids = add_items(session, project, ["one", "two"])
        for item_id in ids:
            for user, value in (("U0GONE0001", "positive"), ("U0STAYS001", "positive")):
                session.add(
                    Annotation(item_id=item_id, project_id=project.id, annotator=user, value=value)
                )
        review = Review(
            item_id=ids[0],
            project_id=project.id,
            reason=ReviewReason.MANUAL,
            requested_by="U0GONE0001",
            channel="C0REVIEW01",
            message_ts="1.1",
        )
        session.add(review)
        session.flush()
        session.add(
            Comment(
                item_id=ids[0],
                review_id=review.id,
                author="U0GONE0001",
                text="my view",
                channel="C0REVIEW01",
                message_ts="1.2",
            )
        )
        session.add(
            Comment(
                item_id=ids[0],
                review_id=review.id,
                author="U0STAYS001",
                text="mine",
                channel="C0REVIEW01",
                message_ts="1.3",
            )
        )
        for item_id in ids:
            item = session.get(Item, item_id)
            item.answer_count = 2
    return ids


def test_purging_an_annotator_removes_their_answers_and_comments_and_resettles_items(
    session_factory: SessionFactory, data: list[int]
) -> None:
    result = runner.invoke(app, ["purge", "sentiment", "--annotator", "U0GONE0001", "--yes"])

    assert result.exit_code == 0, result.output
    with unit_of_work(session_factory) as session:
        assert set(session.scalars(select(Annotation.annotator))) == {"U0STAYS001"}
        assert list(session.scalars(select(Comment.author))) == ["U0STAYS001"]
        assert session.scalars(select(Review.requested_by)).one() == ERASED
        assert {i.answer_count for i in session.scalars(select(Item))} == {1}
        entry = session.scalars(select(AuditEvent)).one()
        assert entry.action == "purge_annotator"
        assert entry.detail["annotator_sha256"] == pseudonym("U0GONE0001")
        assert "U0GONE0001" not in str(entry.detail)


def test_purging_an_item_removes_it_with_its_answers_reviews_and_comments(
    session_factory: SessionFactory, data: list[int]
) -> None:
    result = runner.invoke(app, ["purge", "sentiment", "--item", str(data[0]), "--yes"])

    assert result.exit_code == 0, result.output
    with unit_of_work(session_factory) as session:
        assert list(session.scalars(select(Item.id))) == [data[1]]
        assert session.scalars(select(Comment)).all() == []
        assert session.scalars(select(Review)).all() == []
        assert len(session.scalars(select(Annotation)).all()) == 2


def test_purge_needs_exactly_one_target_and_an_existing_item(data: list[int]) -> None:
    assert runner.invoke(app, ["purge", "sentiment", "--yes"]).exit_code != 0
    missing = runner.invoke(app, ["purge", "sentiment", "--item", "nope", "--yes"])
    assert missing.exit_code == 1 and "no item 'nope'" in missing.output


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (["--annotator", "U0NOBODY01"], "holds no data of annotator U0NOBODY01"),
        (["--item", "no-such-item"], "holds no item 'no-such-item'"),
        (["--item", str(2**70)], f"holds no item '{2**70}'"),
    ],
)
def test_an_erasure_naming_nothing_in_the_project_fails_and_is_not_audited(
    session_factory: SessionFactory, data: list[int], target: list[str], expected: str
) -> None:
    result = runner.invoke(app, ["purge", "sentiment", *target, "--yes"])

    assert result.exit_code == 1
    assert expected in result.output and "nothing was erased" in result.output
    with unit_of_work(session_factory) as session:
        assert session.scalars(select(AuditEvent)).all() == []
        assert len(session.scalars(select(Annotation)).all()) == 4


@pytest.mark.parametrize("target", [["--annotator", "U0NOBODY01"], ["--item", "no-such-item"]])
def test_allow_missing_accepts_an_erasure_of_nothing_and_audits_the_request(
    session_factory: SessionFactory, data: list[int], target: list[str]
) -> None:
    result = runner.invoke(app, ["purge", "sentiment", *target, "--yes", "--allow-missing"])

    assert result.exit_code == 0, result.output
    assert "Erased 0 answer(s) and 0 comment(s)." in result.output
    with unit_of_work(session_factory) as session:
        [entry] = session.scalars(select(AuditEvent)).all()
        assert entry.action in ("purge_annotator", "purge_item")
        assert "U0NOBODY01" not in str(entry.detail)
        assert len(session.scalars(select(Annotation)).all()) == 4


def test_a_person_whose_only_trace_is_a_decision_is_still_found_and_erased(
    session_factory: SessionFactory, data: list[int]
) -> None:
    with unit_of_work(session_factory) as session:
        review = session.scalars(select(Review)).one()
        review.resolver = "U0RESOLVER"

    result = runner.invoke(app, ["purge", "sentiment", "--annotator", "U0RESOLVER", "--yes"])

    assert result.exit_code == 0, result.output
    with unit_of_work(session_factory) as session:
        assert session.scalars(select(Review.resolver)).one() == ERASED
