"""Hostile text never becomes live markup: an item, a project title, its Markdown guidelines,
a note and an imported annotator name full of `<!channel>`, `<@U…>` and `<url|label>` go
through every message kind the bot sends (DM cards and their modals, guidelines, channel
posts, review posts and thread notes, the dissent DM, lookups, search, stats, digests, App
Home), and no Web API call carries the live markup, in blocks or in the top-level `text`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.delivery.digests import post_digest
from bot.slack.ids import Action
from storage.models import Annotation
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, button, eventually
from tests.test_truthful_labels import answer_in_channel, dm_card, mark_unsure, post_in_channel

HOSTILE = "<!channel> <!here> <@U0VICTIM01> <#C0SECRET01> <https://evil.example|click me> &"
LIVE = (
    "<!channel>",
    "<!channel|",
    "<!here>",
    "<@U0VICTIM01>",
    "<#C0SECRET01>",
    "<https://evil.example",
)
# Guidelines are Markdown, converted for Slack: links to Slack targets must not come alive.
GUIDELINES = (
    f"# Rules {HOSTILE}\n\n## positive\nHappy [ping](!channel) {HOSTILE}\n\n"
    f"## negative\nSad `{HOSTILE}`\n"
)
LEAD, ANN, BEA = "U0LEAD0001", "U0ANNOT001", "U0ANNOT002"


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.delivery.review_posts.SECONDS_BETWEEN_POSTS", 0.0)
    monkeypatch.setattr("bot.delivery.channel_posts.SECONDS_BETWEEN_POSTS", 0.0)


def rendered_text(node: Any) -> list[str]:
    """Every string Slack parses as markup: mrkdwn texts, top-level `text`, a file's comment.
    `plain_text` objects (headers, buttons, modal titles) are shown literally, never parsed."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            parsed = node.get("type") != "plain_text"
            if key in ("text", "initial_comment") and isinstance(value, str) and parsed:
                found.append(value)
            else:
                found.extend(rendered_text(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(rendered_text(value))
    return found


def test_no_message_kind_carries_live_markup_from_user_text(bot: BotHarness) -> None:
    slack = {
        "leads": [LEAD],
        "review_channel": "C0REVIEW01",
        "labeling_channel": "C0LABELS01",
        "digest_channel": "C0DIGEST01",
    }
    with bot.session() as session:
        spec = make_spec(
            overlap=2,
            title=f"Sentiment {HOSTILE}"[:120],
            slack=slack,
            guidelines={"text": GUIDELINES, "version": "v1"},
        )
        project = create_project(session, spec)
        [item_id, second] = add_items(session, project, [f"Kettle {HOSTILE}", f"Toaster {HOSTILE}"])
        session.add(
            Annotation(
                item_id=second,
                project_id=project.id,
                annotator=f"imported {HOSTILE}"[:64],
                value="negative",
            )
        )

    message = post_in_channel(bot)  # channel post
    answer_in_channel(bot, message, ANN, "positive")
    answer_in_channel(bot, message, BEA, "negative")  # a tie: the review post
    card = dm_card(bot, LEAD)  # DM card of the second item, with the imported answer
    mark_unsure(bot, card, LEAD, f"note {HOSTILE}")  # the Unsure modal and an unsure review
    resolve = eventually(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == "C0REVIEW01"]
    )
    first_post = resolve[0]
    choice = button(first_post["blocks"], lambda a: a.startswith(f"{Action.RESOLVE}:"))
    bot.click(choice["action_id"], choice["value"], LEAD, channel="C0REVIEW01")  # thread note, DMs
    for command in (f"item {item_id}", "search kettle", "stats", "me", "help", "guidelines"):
        bot.command(command, LEAD)
    bot.slack.send(bot.payloads.app_home_opened(LEAD))
    now = datetime.now(UTC)
    client, directory = bot.services.client, bot.services.directory
    post_digest(bot.sessions, client, directory, spec.slug, "daily", "d", now)
    post_digest(bot.sessions, client, directory, spec.slug, "weekly", "w", now)

    assert eventually(lambda: len(bot.fake.calls_to("views.publish")) >= 1)
    assert eventually(lambda: len(bot.fake.calls_to("response_url")) >= 9)
    calls = bot.fake.calls
    texts = [(call.method, text) for call in calls for text in rendered_text(call.body)]
    shown = "\n".join(text for _, text in texts)
    assert "Kettle" in shown and "Toaster" in shown and "note" in shown, "hostile text was shown"
    assert "*Rules " in shown and "Happy ping" in shown, "and the guidelines too"
    assert any(call.method == "views.open" for call in calls), "the Unsure modal was opened"
    for method, text in texts:
        for markup in LIVE:
            assert markup not in text, f"{markup} went out live in {method}: {text[:300]}"
