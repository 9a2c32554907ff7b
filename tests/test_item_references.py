"""Messages name an item by the id it was imported with, or not at all: never by the
database's own id ("item 17"), which means nothing to a reader."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.slack.ids import Action, View
from storage.models import Item
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, eventually
from tests.test_channel_mode import CHANNEL, click_answer, posted
from tests.test_channel_mode import setup as channel_setup
from tests.test_review_decisions import note_values, press, submit
from tests.test_review_post import ANNOT, answer, setup_item
from tests.test_review_routing import (
    LEAD,
    OTHER,
    no_pacing,  # noqa: F401 - autouse fixture
    open_and_post,
)

GENERATED = "sha256:" + "0" * 32  # what the importer makes up for a row without an id


def rename(bot: BotHarness, item_id: int, external_id: str) -> None:
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.external_id = external_id


def shown(call: Call) -> str:
    return f"{call['text']}\n{all_text(call['blocks'])}"


def assert_no_database_id(text: str, item_id: int) -> None:
    assert not re.search(rf"\bitem {item_id}\b", text, re.IGNORECASE), text[:500]


def test_channel_posts_show_the_title_and_the_imported_id(bot: BotHarness) -> None:
    channel_setup(bot, ["first", "second"], overlap=1)
    with bot.session() as session:
        first, second = session.scalars(select(Item.id).order_by(Item.id)).all()
    rename(bot, first, "review-0042")
    rename(bot, second, GENERATED)

    bot.command("post 2", LEAD)
    with_id, without = posted(bot, 2)
    click_answer(bot, with_id, "positive", "U0ANNOT001")
    done = bot.fake.wait_for("chat.update")[0]

    assert all_text(with_id["blocks"]).startswith("*Test project sentiment* · `review-0042`\n")
    assert all_text(without["blocks"]).startswith("*Test project sentiment*\n")
    assert "sha256" not in shown(without)
    assert done["channel"] == CHANNEL and "item review-0042 done" in done["text"]
    for call, item_id in ((with_id, first), (without, second), (done, first)):
        assert_no_database_id(shown(call), item_id)


def disputed_item(bot: BotHarness, external_id: str) -> tuple[int, Call]:
    """An item imported as `external_id`, answered positive and negative, in review."""
    item_id = setup_item(bot, "It broke after a day")
    rename(bot, item_id, external_id)
    answer(bot, item_id, ANNOT, "positive")
    answer(bot, item_id, OTHER, "negative")
    return item_id, open_and_post(bot, item_id)


def test_review_posts_modals_and_dms_name_the_item_by_its_imported_id(bot: BotHarness) -> None:
    item_id, post = disputed_item(bot, "review-0042")

    press(bot, post, Action.OPEN_RESOLVE, LEAD)
    modal = bot.fake.wait_for("views.open")[0]["view"]
    submit(bot, View.RESOLVE, note_values("negative", None), modal["private_metadata"], LEAD)
    [dm] = eventually(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"].startswith("D")]
    )

    assert all_text(post["blocks"]).startswith("*Test project sentiment* · `review-0042`\n")
    assert "item review-0042 needs review" in post["text"]
    assert all_text(modal["blocks"]).startswith("*Item* · `review-0042`\n")
    assert "*Test project sentiment* · `review-0042`: a lead reviewed" in all_text(dm["blocks"])
    for text in (shown(post), all_text(modal["blocks"]), shown(dm)):
        assert_no_database_id(text, item_id)


def test_an_item_without_an_imported_id_is_just_an_item(bot: BotHarness) -> None:
    item_id, post = disputed_item(bot, GENERATED)

    assert all_text(post["blocks"]).startswith("*Test project sentiment*\n")
    assert "an item needs review" in post["text"] and "sha256" not in shown(post)
    assert_no_database_id(shown(post), item_id)
