"""App Home: each person's projects with progress, a Start button and their own counts."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.domain.assignment import assign_next
from bot.flows.cards import BAD_CARD
from bot.slack.ids import Action
from storage.models import Annotation, Item, ItemStatus, Project, utcnow
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button

USER = "U0ANNOT001"


def test_opening_the_home_tab_publishes_projects_with_progress_and_start(bot: BotHarness) -> None:
    with bot.session() as session:
        add_items(session, create_project(session, make_spec()), ["a", "b"])
        restricted = make_spec(
            slug="secret",
            slack={
                "leads": ["U0LEAD0001"],
                "annotators": {"mode": "list", "users": ["U0OTHER001"]},
            },
        )
        create_project(session, restricted)

    assert bot.slack.send(bot.payloads.app_home_opened(USER)).status == 200

    publish = bot.fake.wait_for("views.publish")[0]
    assert publish["user_id"] == USER
    text = all_text(publish["view"]["blocks"])
    assert "Test project sentiment" in text and "0 of 2 items done" in text
    assert "Test project secret" not in text
    start = button(publish["view"]["blocks"], Action.START_LABELING)
    assert start["value"].isdigit()


def test_start_labeling_from_home_sends_a_card_to_the_dm(bot: BotHarness) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec())
        add_items(session, project, ["a"])
        project_id = project.id
    home_view = bot.payloads.view("home", view_type="home")

    bot.click(Action.START_LABELING, str(project_id), USER, view=home_view)

    card = bot.fake.wait_for("chat.postMessage")[0]
    assert card["channel"].startswith("D")
    button(card["blocks"], Action.ACK_GUIDELINES)


@pytest.mark.parametrize("value", ["999999", "not-a-project"])
def test_a_home_start_that_cannot_start_says_why_in_the_dm(bot: BotHarness, value: str) -> None:
    """The Home tab has no response_url: a refusal there goes to the person's DM."""
    home_view = bot.payloads.view("home", view_type="home")

    assert bot.click(Action.START_LABELING, value, USER, view=home_view).status == 200

    [note] = bot.fake.wait_for("chat.postMessage")
    assert note["channel"].startswith("D")
    assert "no longer exists" in note["text"] or note["text"] == BAD_CARD
    bot.fake.assert_not_called("response_url")


def home_blocks(bot: BotHarness) -> list[dict[str, Any]]:
    assert bot.slack.send(bot.payloads.app_home_opened(USER)).status == 200
    return list(bot.fake.wait_for("views.publish")[0]["view"]["blocks"])


def project_text(blocks: list[dict[str, Any]], title: str) -> str:
    [text] = [t for t in section_texts(blocks) if t.startswith(f"*{title}*")]
    return text


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def answered_by(session: Session, project: Project, item_ids: list[int], who: str) -> None:
    for item_id in item_ids:
        session.add(Annotation(item_id=item_id, project_id=project.id, annotator=who, value="x"))
        session.execute(update(Item).where(Item.id == item_id).values(answer_count=1))


def test_someone_with_nothing_left_sees_all_done_and_when_more_may_come(bot: BotHarness) -> None:
    with bot.session() as session:
        mine = create_project(session, make_spec(slug="mine", overlap=2))
        answered_by(session, mine, add_items(session, mine, ["a", "b"]), USER)
        held = create_project(session, make_spec(slug="held"))
        add_items(session, held, ["c"])
        assert assign_next(session, held, "U0OTHER001", utcnow(), random.Random(1))
        done = create_project(session, make_spec(slug="done"))
        add_items(session, done, ["d"], status=ItemStatus.COMPLETE)
        create_project(session, make_spec(slug="empty"))

    blocks = home_blocks(bot)

    assert project_text(blocks, "Test project mine").startswith(
        "*Test project mine*\n*All done* 🎉 You have answered everything open to you. More may "
        "come when a lead adds items or sends one back for more answers.\n"
    )
    held_text = project_text(blocks, "Test project held")
    assert (
        "*All done* 🎉 1 more item is with other annotators right now; any they leave "
        "unanswered come back within 10 minutes." in held_text
    )
    assert "*All done* 🎉 Every item is labeled." in project_text(blocks, "Test project done")
    assert "No items yet" in project_text(blocks, "Test project empty")
    assert "0%" not in project_text(blocks, "Test project empty")
    assert Action.START_LABELING not in json.dumps(blocks), "nothing to start anywhere"


def test_an_open_card_is_work_left_even_when_the_queue_has_nothing_new(bot: BotHarness) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec())
        add_items(session, project, ["only"])
        assert assign_next(session, project, USER, utcnow(), random.Random(1))

    blocks = home_blocks(bot)

    assert "All done" not in json.dumps(blocks)
    assert button(blocks, Action.START_LABELING)["style"] == "primary"


def test_the_home_tab_has_one_primary_action_the_first_project_with_work(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        finished = create_project(session, make_spec(slug="a-finished"))
        add_items(session, finished, ["x"], status=ItemStatus.COMPLETE)
        for slug in ("b-first", "c-second"):
            add_items(session, create_project(session, make_spec(slug=slug)), ["y"])

    blocks = home_blocks(bot)

    starts = [
        (element["value"], element.get("style"))
        for block in blocks
        for element in block.get("elements", [])
        if element.get("action_id") == Action.START_LABELING
    ]
    styled = [e for block in blocks for e in block.get("elements", []) if e.get("style")]
    assert [style for _, style in starts] == ["primary", None]
    assert len(styled) == 1
