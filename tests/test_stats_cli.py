"""`stats --json`, the stats table and `timesheet` on a small dataset computed by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from bot.cli.app import app
from storage.db import SessionFactory, unit_of_work
from storage.models import (
    Annotation,
    FinalMethod,
    Item,
    ItemStatus,
    Review,
    ReviewReason,
    ReviewStatus,
)
from tests.factories import create_project, make_spec

LEAD, A, B, C = "U0LEAD0001", "U0ANNA0001", "U0BOB00001", "U0CARL0001"
DIGEST_CHANNEL, REVIEW_CHANNEL = "C0DIGEST01", "C0REVIEW01"


def yesterday_at(hour: int) -> datetime:
    day = datetime.now(UTC).date() - timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=UTC)


def build_dataset(session: Session, slug: str = "sentiment") -> int:
    """Six items (overlap 2). Complete: i1 pos/pos, i3 neu/neu, i5 (gold "positive") pos/neg,
    i6 neg/neg; i2 pos/neg in review (undecided); i4 open with one answer from A and an unsure
    one from C.
    A answered at 10:00, 10:01, 10:02, 10:03, 10:10, 10:11 yesterday; B five times at 10:00:30.
    """
    spec = make_spec(
        slug,
        overlap=2,
        deadline="2099-01-01",
        slack={"leads": [LEAD], "digest_channel": DIGEST_CHANNEL, "review_channel": REVIEW_CHANNEL},
    )
    project = create_project(session, spec)
    plan: list[tuple[str | None, list[str | None]]] = [
        (None, ["positive", "positive"]),
        (None, ["positive", "negative"]),
        (None, ["neutral", "neutral"]),
        (None, ["positive"]),
        ("positive", ["positive", "negative"]),
        (None, ["negative", "negative"]),
    ]
    a_minutes, a_seconds = [0, 1, 2, 3, 10, 11], [10, 20, 30, 40, 50, 60]
    b_seconds = iter([5, 5, 5, 100, 7])
    base = yesterday_at(10)
    item_ids = []
    for index, (gold, values) in enumerate(plan):
        disputed = gold is None and len(set(values)) == 2
        complete = len(values) == 2 and not disputed
        item = Item(
            project_id=project.id,
            external_id=f"i{index + 1}",
            data={"text": f"item {index + 1}"},
            required_answers=2,
            answer_count=len(values),
            is_gold=gold is not None,
            gold_answer=gold,
            status=ItemStatus.COMPLETE
            if complete
            else ItemStatus.IN_REVIEW
            if disputed
            else ItemStatus.OPEN,
            final_label=(gold or values[0]) if complete else None,
            final_method=(FinalMethod.GOLD if gold else FinalMethod.CONSENSUS)
            if complete
            else None,
            completed_at=base + timedelta(minutes=20) if complete else None,
        )
        session.add(item)
        session.flush()
        item_ids.append(item.id)
        session.add(
            Annotation(
                item_id=item.id,
                project_id=project.id,
                annotator=A,
                value=values[0],
                seconds=a_seconds[index],
                created_at=base + timedelta(minutes=a_minutes[index]),
            )
        )
        if len(values) == 2:
            session.add(
                Annotation(
                    item_id=item.id,
                    project_id=project.id,
                    annotator=B,
                    value=values[1],
                    seconds=next(b_seconds),
                    created_at=base + timedelta(seconds=30),
                )
            )
    old = datetime.now(UTC) - timedelta(days=20)
    session.add(
        Annotation(
            item_id=item_ids[1],
            project_id=project.id,
            annotator=A,
            value="negative",
            seconds=999,
            created_at=old,
            superseded_at=base,
        )
    )
    session.add(
        Annotation(
            item_id=item_ids[3],
            project_id=project.id,
            annotator=C,
            value=None,
            unsure=True,
            created_at=datetime.now(UTC),
        )
    )
    session.add_all(
        [
            Review(item_id=item_ids[1], project_id=project.id, reason=ReviewReason.DISAGREEMENT),
            Review(
                item_id=item_ids[4],
                project_id=project.id,
                reason=ReviewReason.MANUAL,
                status=ReviewStatus.RESOLVED,
                resolved_at=base,
            ),
        ]
    )
    session.flush()
    return project.id


@pytest.fixture
def dataset(session_factory: SessionFactory, database_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with unit_of_work(session_factory) as session:
        build_dataset(session)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.mark.usefixtures("dataset")
def test_stats_json_matches_the_hand_computed_figures() -> None:
    result = run("stats", "sentiment", "--json")

    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["items"] == {"total": 6, "open": 1, "in_review": 1, "complete": 4, "gold": 1}
    assert stats["answers"] == 12 and stats["unsure_answers"] == 1
    agreement = stats["agreement"]
    assert agreement["percent"] == pytest.approx(0.6)
    assert agreement["cohen_kappa_mean"] == pytest.approx((0.6 - 0.28) / 0.72, abs=1e-4)
    assert agreement["fleiss_kappa"] == pytest.approx(0.375)
    assert agreement["krippendorff_alpha"] == pytest.approx(1 - 9 * 4 / 64)
    assert agreement["items"] == 5 and agreement["sampled"] is None
    assert agreement["top_confusions"][0] == {"labels": ["negative", "positive"], "count": 2}
    assert stats["review"]["open"] == 1 and stats["review"]["resolved"] == 1
    assert stats["review"]["open_holding"] == stats["items"]["in_review"] == 1
    assert stats["labels"] == [  # decided items only: i1, i3, i5 (gold), i6
        {"label": "positive", "items": 2, "share": 0.5},
        {"label": "negative", "items": 1, "share": 0.25},
        {"label": "neutral", "items": 1, "share": 0.25},
    ]
    by_id = {a["id"]: a for a in stats["annotators"]}
    assert [a["id"] for a in stats["annotators"]] == [A, B, C]
    assert by_id[A] | {"answers_today": 0} == by_id[A]
    assert (by_id[A]["answers"], by_id[A]["median_seconds"], by_id[A]["gold_accuracy"]) == (
        6,
        35.0,
        1.0,
    )
    assert (by_id[B]["answers"], by_id[B]["median_seconds"], by_id[B]["gold_accuracy"]) == (
        5,
        5.0,
        0.0,
    )
    assert (by_id[C]["answers"], by_id[C]["unsure"], by_id[C]["gold_accuracy"]) == (1, 1, None)
    assert by_id[C]["answers_today"] == 1 and by_id[A]["answers_last_7_days"] == 6
    assert stats["throughput"][-2]["answers"] == 11 and stats["throughput"][-1]["answers"] == 1
    eta = stats["eta"]
    assert eta["remaining_answers"] == 1
    assert eta["answers_per_day"] == pytest.approx(11 / 7, abs=0.01)
    assert eta["on_track"] is True and eta["deadline"] == "2099-01-01"


def test_stats_json_samples_agreement_beyond_the_limit_and_says_so(
    dataset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import stats_quality

    monkeypatch.setattr(stats_quality, "AGREEMENT_SAMPLE", 2)

    stats = json.loads(run("stats", "sentiment", "--json").output)

    agreement = stats["agreement"]
    assert agreement["eligible_items"] == 5
    assert agreement["sampled"] == agreement["items"] and 1 <= agreement["items"] <= 3


@pytest.mark.usefixtures("dataset")
def test_stats_table_names_each_annotator_and_unknown_projects_fail() -> None:
    table = run("stats", "sentiment")
    assert table.exit_code == 0, table.output
    assert "4 of 6 items complete" in table.output and A in table.output

    missing = run("stats", "nope")
    assert missing.exit_code == 1 and "no project 'nope'" in missing.output


@pytest.mark.usefixtures("dataset")
def test_timesheet_csv_has_items_active_hours_quality_and_pay() -> None:
    day = yesterday_at(0).date().isoformat()

    result = run("timesheet", "sentiment", "--since", day, "--until", day, "--rate", "15")

    assert result.exit_code == 0, result.output
    rows = {row["annotator"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert set(rows) == {A, B}
    # A: the first answer is billed its 10 s of card time, then gaps of 60, 60 and 60 s; the
    # 10:10 answer comes after a 7-minute break, so it is billed its 50 s of card time; then
    # a 60 s gap: 300 s = 0.08 h, × 15 = 1.20. (The 20-day-old answer is outside the range.)
    # Quality: i1, i3, i6 match the decided label (i2 and i4 are undecided), i5 matches gold.
    assert rows[A] == {
        "annotator": A,
        "items": "6",
        "answers": "6",
        "active_hours": "0.08",
        "rate": "15.00",
        "currency": "",
        "base_pay": "1.20",
        "agreement_with_final": "1.000",
        "agreement_scored": "3",
        "gold_accuracy": "1.000",
        "gold_scored": "1",
        "quality": "1.000",
        "quality_scored": "4",
        "bonus": "0.00",
        "total": "1.20",
    }
    # B: five answers in the same second: the shortest card time (5 s) starts the run and the
    # other four are 0 s gaps floored to 5 s: 25 s = 0.01 h. Gold i5 is wrong: quality 3 of 4.
    assert (rows[B]["items"], rows[B]["active_hours"], rows[B]["total"]) == ("5", "0.01", "0.15")
    assert (rows[B]["gold_accuracy"], rows[B]["quality"]) == ("0.000", "0.750")


@pytest.mark.usefixtures("dataset")
def test_timesheet_rejects_a_backwards_range() -> None:
    result = run("timesheet", "sentiment", "--since", "2026-02-01", "--until", "2026-01-01")
    assert result.exit_code == 1 and "before" in result.output
