"""The edge-case log and guideline feedback: what reviews teach, for the guideline authors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.slack.ids import Action, View
from storage.models import Comment, GuidelineAck, GuidelineFeedback, Project
from tests.factories import create_project, make_spec
from tests.harness import BotHarness, all_text, eventually
from tests.test_review_decisions import press, submit, thread_notes
from tests.test_review_post import ANNOT, answer, setup_item
from tests.test_review_routing import (
    LEAD,
    OTHER,
    REVIEW_CHANNEL,
    no_pacing,  # noqa: F401 - autouse fixture
    open_and_post,
)


@pytest.fixture(autouse=True)
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def has_comment(bot: BotHarness) -> bool:
    with bot.session() as session:
        return session.scalars(select(Comment)).first() is not None


def marked_and_resolved(bot: BotHarness) -> None:
    """An item flagged as an edge case, discussed in its thread, then resolved by the lead."""
    item_id = setup_item(bot, "Great, another *broken* charger\nSecond line")
    answer(bot, item_id, ANNOT, "positive")
    post = open_and_post(bot, item_id)
    thread = str(post.response["ts"])
    reply = bot.payloads.thread_reply(REVIEW_CHANNEL, thread, None, OTHER, "That's irony")
    assert bot.slack.send(reply).status == 200
    assert eventually(lambda: has_comment(bot))
    press(bot, post, Action.MARK_EDGE_CASE, LEAD)
    modal = bot.fake.wait_for("views.open")[0]["view"]
    values = {
        "edge_hard": {"edge_hard": {"type": "plain_text_input", "value": "Sarcastic praise"}},
        "edge_wording": {
            "edge_wording": {"type": "plain_text_input", "value": "Sarcasm counts as negative."}
        },
    }
    submit(bot, View.EDGE_CASE, values, modal["private_metadata"], LEAD)
    thread_notes(bot)
    press(bot, post, f"{Action.RESOLVE}:negative", LEAD)
    thread_notes(bot, 2)


def test_the_edge_case_log_in_markdown_is_ready_for_the_guidelines(bot: BotHarness) -> None:
    marked_and_resolved(bot)

    result = run("edge-cases", "sentiment")

    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("# Edge cases: Test project sentiment\n")
    assert "> Great, another *broken* charger\n> Second line" in out
    assert f"- **Final label:** Negative (decided by {LEAD})" in out
    assert "- **What makes it hard:** Sarcastic praise" in out
    assert "- **Proposed guideline wording:** Sarcasm counts as negative." in out
    assert f"- {OTHER} (" in out and "That's irony" in out


def test_the_edge_case_log_as_json_lines(bot: BotHarness) -> None:
    marked_and_resolved(bot)

    result = run("edge-cases", "sentiment", "--format", "jsonl")

    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines()]
    assert record["final_label"] == "negative" and record["final_method"] == "adjudicated"
    assert record["what_makes_it_hard"] == "Sarcastic praise"
    assert record["proposed_wording"] == "Sarcasm counts as negative."
    assert (record["marked_by"], record["decided_by"]) == (LEAD, LEAD)
    assert [c["text"] for c in record["discussion"]] == ["That's irony"]
    assert record["content"]["text"].startswith("Great, another")


def test_the_edge_case_log_of_an_unknown_project_fails_clearly(bot: BotHarness) -> None:
    result = run("edge-cases", "nope")

    assert result.exit_code == 1
    assert "no project 'nope'" in result.output


def test_feedback_names_a_project_or_uses_the_only_one_and_is_listed(bot: BotHarness) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec())
        session.add(GuidelineAck(project_id=project.id, user_id=ANNOT, version="v1"))

    bot.command("feedback sentiment Define <sarcasm> please", ANNOT)
    bot.fake.wait_for("response_url", 1)  # stored after the ack: one at a time keeps the order
    bot.command("feedback Add an example for refunds", OTHER)

    replies = [all_text(r["blocks"]) for r in bot.fake.wait_for("response_url", 2)]
    assert all("is recorded for the leads" in r for r in replies)
    with bot.session() as session:
        rows = session.scalars(select(GuidelineFeedback).order_by(GuidelineFeedback.id)).all()
        assert [(r.author, r.text, r.guideline_version) for r in rows] == [
            (ANNOT, "Define <sarcasm> please", "v1"),
            (OTHER, "Add an example for refunds", "v1"),
        ]
    listed = run("feedback", "sentiment")
    assert listed.exit_code == 0, listed.output
    assert "Define <sarcasm> please" in listed.output and OTHER in listed.output
    lines = run("feedback", "sentiment", "--jsonl").output.splitlines()
    assert [json.loads(line)["author"] for line in lines] == [ANNOT, OTHER]


def test_feedback_asks_which_project_when_there_are_several(bot: BotHarness) -> None:
    with bot.session() as session:
        create_project(session, make_spec("sentiment"))
        create_project(session, make_spec("intents"))

    bot.command("feedback make it shorter", ANNOT)
    [which] = bot.fake.wait_for("response_url")
    bot.command("feedback", ANNOT)
    usage = bot.fake.wait_for("response_url", 2)[1]

    assert "Which project?" in all_text(which["blocks"])
    assert "intents, sentiment" in all_text(which["blocks"])
    assert "Usage" in all_text(usage["blocks"])
    with bot.session() as session:
        assert session.scalars(select(GuidelineFeedback)).all() == []
        assert len(session.scalars(select(Project)).all()) == 2


def test_feedback_is_in_the_help_for_everyone(bot: BotHarness) -> None:
    with bot.session() as session:
        create_project(session, make_spec())

    bot.command("help", OTHER)

    text = eventually(lambda: all_text(bot.fake.wait_for("response_url")[0]["blocks"]))
    assert "feedback [project] text" in text
