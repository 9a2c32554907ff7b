"""`/label stats` and `/label me` through the signed HTTP endpoint."""

from __future__ import annotations

from tests.harness import BotHarness, all_text
from tests.test_stats_cli import LEAD, A, B, build_dataset


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
    assert B not in text


def test_label_me_without_answers_points_to_next(bot: BotHarness) -> None:
    assert bot.command("me", "U0NOBODY01").status == 200
    assert "/label next" in all_text(bot.wait_response(1)["blocks"])
