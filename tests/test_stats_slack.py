"""`/label stats` and `/label me` through the signed HTTP endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import BotHarness, all_text
from tests.test_stats_cli import LEAD, A, B, build_dataset
from tests.test_timesheet import ANNA, BOB, CARL, build_paid_project

#: 21:00 in Berlin on 10 March 2026: "this month" is 1–10 March in the project's time zone.
MARCH_10_EVENING = datetime(2026, 3, 10, 20, tzinfo=UTC)


def test_label_stats_shows_the_summary_and_annotator_figures_only_to_leads(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        build_dataset(session)

    assert bot.command("stats sentiment", A).status == 200
    annotator_view = bot.wait_response(1)
    assert bot.command("stats sentiment", LEAD).status == 200
    lead_view = bot.wait_response(2)

    assert annotator_view["response_type"] == "ephemeral"
    shown = all_text(annotator_view["blocks"])
    assert "4 of 6 items complete" in shown and "agreement 60%" in shown
    assert f"<@{B}>" not in shown and "Annotators" not in shown
    lead_text = all_text(lead_view["blocks"])
    assert f"<@{B}>: 5 answers" in lead_text and "gold 0% (1)" in lead_text
    assert "agrees with decided 100% (3)" in lead_text


def test_label_stats_for_an_unknown_project_says_so(bot: BotHarness) -> None:
    assert bot.command("stats nope", A).status == 200
    assert "no project called 'nope'" in bot.wait_response(1)["text"]


def test_label_me_shows_only_my_own_figures(bot: BotHarness) -> None:
    with bot.session() as session:
        build_dataset(session)

    assert bot.command("me", A).status == 200

    reply = bot.wait_response(1)
    text = all_text(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    assert "6 answers" in text and "median time 35 s" in text and "gold accuracy 100%" in text
    assert "*This month*" in text and "Pay:" not in text  # the project declares no pay
    assert B not in text


def test_label_me_without_answers_points_to_next(bot: BotHarness) -> None:
    assert bot.command("me", "U0NOBODY01").status == 200
    assert "/label next" in all_text(bot.wait_response(1)["blocks"])


def test_label_me_shows_my_hours_pay_and_the_bonus_i_earned_this_month(bot: BotHarness) -> None:
    bot.services.clock = lambda: MARCH_10_EVENING
    with bot.session() as session:
        build_paid_project(session)

    assert bot.command("me paid", ANNA).status == 200

    reply = bot.wait_response(1)
    text = all_text(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    # The figures of tests/test_timesheet.py: the 28 February answer is last month's.
    assert (
        "*This month* (1–10 Mar 2026, Europe/Berlin): 13 answers on 13 items · 0.35 h active · "
        "quality 90% (11 scored: 8 against decided labels, 3 gold)"
    ) in text
    assert "Pay: 0.35 h × 18.50 EUR = 6.48 EUR + bonus 0.65 EUR = *7.13 EUR*" in text
    assert (
        "Bonus earned so far: 13 × 0.05 EUR = 0.65 EUR (quality 90% of 11 scored; "
        "it must stay ≥ 80%)."
    ) in text
    assert "Only you can see your hours and pay." in text


def test_label_me_tells_each_person_how_far_they_are_from_the_bonus(bot: BotHarness) -> None:
    bot.services.clock = lambda: MARCH_10_EVENING
    with bot.session() as session:
        build_paid_project(session)

    assert bot.command("me paid", BOB).status == 200
    bob = all_text(bot.wait_response(1)["blocks"])
    assert bot.command("me", CARL).status == 200
    carl = all_text(bot.wait_response(2)["blocks"])

    assert "quality ≥ 80% (now 60% of 10 scored) to earn 0.05 EUR per answer." in bob
    assert "bonus 0.00 EUR = *1.85 EUR*" in bob
    assert "7 more answers to earn 0.05 EUR per answer." in carl
    assert ANNA not in bob + carl and "7.13" not in bob + carl


def test_label_me_next_month_starts_from_zero(bot: BotHarness) -> None:
    bot.services.clock = lambda: datetime(2026, 4, 1, 9, tzinfo=UTC)
    with bot.session() as session:
        build_paid_project(session)

    assert bot.command("me paid", ANNA).status == 200

    text = all_text(bot.wait_response(1)["blocks"])
    assert "*This month* (1 Apr 2026, Europe/Berlin): 0 answers on 0 items · 0.00 h" in text
    assert "10 more answers and quality ≥ 80% (none of your answers scored yet)" in text
