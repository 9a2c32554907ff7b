"""`timesheet`: a fixed set of answers gives hours, base pay, quality and bonus computed by
hand (docs/stats.md, "Active time" and "Pay")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from bot.cli.app import app
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, FinalMethod, Item, ItemStatus
from tests.factories import create_project, make_spec

ANNA, BOB, CARL = "U0ANNA0001", "U0BOB00001", "U0CARL0001"
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in early March
DAY = date(2026, 3, 10)
PAY = {
    "hourly_rate": 18.5,
    "currency": "EUR",
    "bonus": {"per_answer": 0.05, "min_answers": 10, "min_quality": 0.8},
}

Truth = tuple[str, str] | None  # ("gold" | "decided", label), or None while undecided
GOLD_POS: Truth = ("gold", "positive")


def decided(label: str) -> Truth:
    return ("decided", label)


@dataclass(frozen=True)
class Given:
    who: str
    when: datetime
    seconds: float | None
    value: str
    truth: Truth


def at(hour: int, minute: int, second: int = 0, day: date = DAY) -> datetime:
    """A Berlin wall-clock time, in UTC as the bot stores it (SQLite keeps no zone)."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=BERLIN).astimezone(UTC)


def anna() -> list[Given]:
    """13 answers on 10 March, all "positive", plus one just before and one just after."""
    times = [(at(9, 0) + timedelta(seconds=90 * k), 40.0 if k == 0 else 85.0) for k in range(10)]
    times += [(at(14, 0), 1200.0), (at(14, 2), 110.0), (at(14, 2, 2), 2.0)]
    truths = [GOLD_POS] * 3 + [decided("positive")] * 7 + [decided("negative")] + [None] * 2
    given = [
        Given(ANNA, when, s, "positive", t) for (when, s), t in zip(times, truths, strict=True)
    ]
    outside = [at(23, 30, day=date(2026, 2, 28)), at(0, 30, day=date(2026, 3, 11))]
    return given + [Given(ANNA, when, 30.0, "positive", None) for when in outside]


def bob() -> list[Given]:
    """12 answers, all "negative", every 30 s from 10:00 with 25 s of card time each."""
    truths = [GOLD_POS] * 2 + [decided("negative")] * 6 + [decided("positive")] * 2 + [None] * 2
    return [
        Given(BOB, at(10, 0) + timedelta(seconds=30 * k), 25.0, "negative", truth)
        for k, truth in enumerate(truths)
    ]


def carl() -> list[Given]:
    """3 imported answers (no card time), all matching the decided label."""
    return [
        Given(CARL, when, None, "neutral", decided("neutral"))
        for when in (at(11, 0), at(11, 20), at(11, 21))
    ]


def build_paid_project(session: Session, slug: str = "paid") -> None:
    """One item per answer, so each answer's truth is its item's gold answer or decided label."""
    spec = make_spec(slug, digest={"timezone": "Europe/Berlin"}, pay=PAY)
    project = create_project(session, spec)
    for n, given in enumerate(anna() + bob() + carl()):
        kind, label = given.truth if given.truth else (None, None)
        item = Item(
            project_id=project.id,
            external_id=f"item-{n}",
            data={"text": f"item {n}"},
            required_answers=1,
            answer_count=1,
            is_gold=kind == "gold",
            gold_answer=label if kind == "gold" else None,
            status=ItemStatus.COMPLETE if kind else ItemStatus.OPEN,
            final_label=label,
            final_method=FinalMethod.GOLD
            if kind == "gold"
            else FinalMethod.CONSENSUS
            if kind
            else None,
            completed_at=given.when if kind else None,
        )
        session.add(item)
        session.flush()
        session.add(
            Annotation(
                item_id=item.id,
                project_id=project.id,
                annotator=given.who,
                value=given.value,
                seconds=given.seconds,
                created_at=given.when,
            )
        )
    session.flush()


@pytest.fixture
def paid(session_factory: SessionFactory, database_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with unit_of_work(session_factory) as session:
        build_paid_project(session)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def sheet(*options: str) -> dict[str, dict[str, str]]:
    result = run("timesheet", "paid", "--since", "2026-03-10", "--until", "2026-03-10", *options)
    assert result.exit_code == 0, result.output
    return {row["annotator"]: row for row in csv.DictReader(io.StringIO(result.output))}


@pytest.mark.usefixtures("paid")
def test_fixed_answers_give_the_hand_computed_hours_base_pay_quality_and_bonus() -> None:
    rows = sheet()

    # The answers at 23:30 on 28 Feb and 00:30 on 11 Mar (Berlin) are outside the day.
    assert set(rows) == {ANNA, BOB, CARL}
    # Anna, hours: the first answer is billed its 40 s of card time, the next nine the 90 s
    # gaps (810 s); 14:00 follows a break, so its card time, 1200 s, capped at 300 s; then a
    # 120 s gap and a 2 s one floored to 5 s. 40 + 810 + 300 + 120 + 5 = 1275 s = 0.354 h,
    # billed 0.35 h. Base pay 0.35 × 18.50 = 6.475, rounded half-up to 6.48.
    # Quality: 7 of 8 decided labels and 3 of 3 gold answers, pooled 10 of 11 = 0.909 ≥ 0.8
    # (two answers on undecided items are not scored); 13 answers ≥ 10: bonus 13 × 0.05.
    assert rows[ANNA] == {
        "annotator": ANNA,
        "items": "13",
        "answers": "13",
        "active_hours": "0.35",
        "rate": "18.50",
        "currency": "EUR",
        "base_pay": "6.48",
        "agreement_with_final": "0.875",
        "agreement_scored": "8",
        "gold_accuracy": "1.000",
        "gold_scored": "3",
        "quality": "0.909",
        "quality_scored": "11",
        "bonus": "0.65",
        "total": "7.13",
    }
    # Bob, hours: 25 s of card time for the first answer, then eleven 30 s gaps: 355 s =
    # 0.0986 h, billed 0.10 h; 0.10 × 18.50 = 1.85. Quality: 6 of 8 decided and 0 of 2 gold,
    # 6 of 10 = 0.6 < 0.8, so no bonus despite 12 answers.
    assert [
        rows[BOB][key] for key in ("active_hours", "base_pay", "quality", "bonus", "total")
    ] == [
        "0.10",
        "1.85",
        "0.600",
        "0.00",
        "1.85",
    ]
    assert (rows[BOB]["gold_accuracy"], rows[BOB]["agreement_with_final"]) == ("0.000", "0.750")
    # Carl, hours: no card time recorded: 5 s minimum for 11:00 and for 11:20 (after a break),
    # then a 60 s gap: 70 s = 0.0194 h, billed 0.02 h; 0.02 × 18.50 = 0.37. Quality 3 of 3,
    # but 3 answers < 10: no bonus.
    assert [
        rows[CARL][key] for key in ("active_hours", "base_pay", "quality", "bonus", "total")
    ] == [
        "0.02",
        "0.37",
        "1.000",
        "0.00",
        "0.37",
    ]
    assert rows[CARL]["gold_accuracy"] == "" and rows[CARL]["gold_scored"] == "0"


@pytest.mark.usefixtures("paid")
def test_rate_option_overrides_the_projects_hourly_rate_but_not_its_currency_or_bonus() -> None:
    anna_row = sheet("--rate", "20")[ANNA]

    assert (anna_row["rate"], anna_row["currency"], anna_row["base_pay"]) == (
        "20.00",
        "EUR",
        "7.00",
    )
    assert (anna_row["bonus"], anna_row["total"]) == ("0.65", "7.65")


@pytest.mark.usefixtures("paid")
def test_the_bonus_is_counted_over_the_period_not_per_day() -> None:
    # The whole of March adds Anna's answer on an undecided item at 00:30 on 11 March (not the
    # one on 28 February): 14 answers, quality unchanged at 10 of 11, so 14 × 0.05 = 0.70.
    result = run("timesheet", "paid", "--since", "2026-03-01", "--until", "2026-03-31")

    rows = {row["annotator"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert (rows[ANNA]["answers"], rows[ANNA]["bonus"]) == ("14", "0.70")


@pytest.mark.usefixtures("paid")
def test_timesheet_table_shows_the_same_figures_and_the_terms() -> None:
    result = run(
        "timesheet", "paid", "--since", "2026-03-10", "--until", "2026-03-10", "--format", "table"
    )

    assert result.exit_code == 0, result.output
    anna_line = next(line for line in result.output.splitlines() if ANNA in line)
    figures = [cell for cell in anna_line.split() if not cell.startswith("(")]
    assert figures == [ANNA, "13", "13", "0.35", "6.48", "91%", "0.65", "7.13"]
    assert "(7/8+3/3)" in result.output  # 7 of 8 decided labels + 3 of 3 gold answers
    text = " ".join(result.output.split())
    assert "Amounts in EUR; rate 18.50 EUR an hour." in text
    assert (
        "Bonus: 0.05 EUR per answer in the period, with at least 10 answers and quality ≥ 80%"
        in text
    )


def test_without_pay_or_rate_the_default_rate_applies_with_no_currency_and_no_bonus(
    session_factory: SessionFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with unit_of_work(session_factory) as session:
        project = create_project(session, make_spec("unpaid"))
        item = Item(project_id=project.id, external_id="x", data={"text": "x"}, required_answers=1)
        session.add(item)
        session.flush()
        session.add(
            Annotation(
                item_id=item.id,
                project_id=project.id,
                annotator=CARL,
                value="neutral",
                seconds=30.0,
                created_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
            )
        )

    result = run("timesheet", "unpaid", "--since", "2026-03-10", "--until", "2026-03-10")

    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.output))
    # One answer billed its 30 s of card time: 0.0083 h, billed 0.01 h, × 15 = 0.15.
    assert [row[key] for key in ("active_hours", "rate", "currency", "base_pay", "bonus")] == [
        "0.01",
        "15.00",
        "",
        "0.15",
        "0.00",
    ]
    assert (row["quality"], row["quality_scored"], row["total"]) == ("", "0", "0.15")
