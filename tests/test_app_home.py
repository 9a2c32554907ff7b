"""App Home: each person's projects with progress, a Start button and their own counts."""

from __future__ import annotations

from bot.ids import Action
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
