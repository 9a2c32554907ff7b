"""Message shortcuts turn Slack messages into items, once, within the project's rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.slack.ids import Shortcut, View
from bot.views.message_modal import target_value
from storage.models import Annotation, Item
from tests.factories import create_project, make_spec
from tests.harness import BotHarness, all_text, eventually

SOURCE = "C0SUPPORT1"
USER = "U0ANNOT001"


def setup(bot: BotHarness, **spec: Any) -> int:
    with bot.session() as session:
        wiring = {"leads": ["U0LEAD0001"], "source_channels": [SOURCE]}
        wiring.update(spec.pop("slack", {}))
        return create_project(session, make_spec(slack=wiring, **spec)).id


def shortcut(
    bot: BotHarness, callback: str, text: str, ts: str = "1712.0001", channel: str = SOURCE
) -> None:
    message = {"type": "message", "user": "U0AUTHOR01", "ts": ts, "text": text}
    assert (
        bot.slack.send(bot.payloads.message_shortcut(callback, message, channel, USER)).status
        == 200
    )


def submit(bot: BotHarness, view: dict[str, Any], project_id: int, choice: str | None) -> Any:
    values = {
        "target": {
            "target": {
                "type": "static_select",
                "selected_option": {"value": target_value(project_id, choice)},
            }
        }
    }
    metadata = bot.fake.wait_for("views.update")[-1]["view"]["private_metadata"]
    return bot.slack.send(bot.payloads.view_submission(View.LABEL_MESSAGE, values, metadata, USER))


def items(bot: BotHarness) -> list[Item]:
    with bot.session() as session:
        return list(session.scalars(select(Item)))


def test_label_this_message_creates_the_item_and_the_answer(bot: BotHarness) -> None:
    project_id = setup(bot)
    shortcut(bot, Shortcut.LABEL_MESSAGE, "Love the new release!")
    view = bot.fake.wait_for("views.open")[0]["view"]
    assert "Love the new release!" in all_text(view["blocks"])

    assert submit(bot, view, project_id, "positive").status == 200

    assert eventually(lambda: items(bot))
    [item] = items(bot)
    assert item.external_id == f"slack:{SOURCE}:1712.0001"
    assert item.data["text"] == "Love the new release!" and "author" not in item.data
    assert item.data["permalink"].startswith("http")
    with bot.session() as session:
        assert session.scalars(select(Annotation.value)).all() == ["positive"]
    notice = bot.fake.wait_for("chat.postEphemeral")[0]
    assert "label is recorded" in notice["text"]


def test_the_same_message_added_twice_is_one_item(bot: BotHarness) -> None:
    project_id = setup(bot)
    for count in (1, 2):
        shortcut(bot, Shortcut.QUEUE_MESSAGE, "Where is my parcel?")
        view = bot.fake.wait_for("views.open", count)[-1]["view"]
        bot.fake.wait_for("views.update", count)
        submit(bot, view, project_id, None)
        bot.fake.wait_for("chat.postEphemeral", count)

    assert len(items(bot)) == 1
    assert "Already in the queue" in bot.fake.calls_to("chat.postEphemeral")[1]["text"]


def test_messages_from_channels_the_project_does_not_allow_are_refused(bot: BotHarness) -> None:
    setup(bot)

    shortcut(bot, Shortcut.LABEL_MESSAGE, "hello", channel="C0RANDOM01")

    reply = bot.fake.wait_for("response_url")[0]
    assert "No project" in reply["text"]
    bot.fake.assert_not_called("views.open")
    assert items(bot) == []


def test_pii_is_redacted_before_the_message_is_shown_again(bot: BotHarness) -> None:
    setup(bot, privacy={"redact_pii": True})

    shortcut(bot, Shortcut.QUEUE_MESSAGE, "mail me at jane@example.com or +44 20 7946 0958")

    shown = all_text(bot.fake.wait_for("views.open")[0]["view"]["blocks"])
    assert "jane@example.com" not in shown and "7946" not in shown
    assert "[email]" in shown and "[phone]" in shown


def test_the_author_is_kept_only_when_the_project_allows_it(bot: BotHarness) -> None:
    project_id = setup(bot, slack={"keep_message_author": True})
    shortcut(bot, Shortcut.QUEUE_MESSAGE, "hi")
    view = bot.fake.wait_for("views.open")[0]["view"]

    submit(bot, view, project_id, None)

    assert eventually(lambda: items(bot))
    assert items(bot)[0].data["author"] == "U0AUTHOR01"
