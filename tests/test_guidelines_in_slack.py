"""Guidelines as a person reads them in Slack: the project's Markdown rendered as mrkdwn, and
long guidelines cut between paragraphs with a pointer to the rest."""

from __future__ import annotations

from bot.slack.ids import Action
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button

ANNOTATOR = "U0ANNOT001"
MARKDOWN = (
    "# Sentiment\n\nJudge the **whole** review.\n\n## positive\n\n- praise\n- thanks\n\n"
    "## negative\n\nSee [examples](https://example.com/neg).\n"
)
LONG = "\n\n".join(f"## rule {n}\n\n" + "Some careful wording. " * 40 for n in range(30))


def project(bot: BotHarness, text: str, url: str | None = None) -> None:
    guidelines = {"text": text, "version": "v1", **({"url": url} if url else {})}
    with bot.session() as session:
        add_items(session, create_project(session, make_spec(guidelines=guidelines)), ["item"])


def test_label_guidelines_shows_the_markdown_rendered(bot: BotHarness) -> None:
    project(bot, MARKDOWN)

    assert bot.command("guidelines", ANNOTATOR).status == 200

    shown = all_text(bot.wait_response(1).body["blocks"])
    assert "*Sentiment*\n\nJudge the *whole* review." in shown
    assert "*positive*\n\n•   praise\n•   thanks" in shown
    assert "See <https://example.com/neg|examples>." in shown
    assert "#" not in shown and "**" not in shown


def test_long_guidelines_fit_one_message_and_link_to_the_full_text(bot: BotHarness) -> None:
    project(bot, LONG, url="https://example.com/guidelines")

    bot.command("guidelines", ANNOTATOR)

    blocks = bot.wait_response(1).body["blocks"]
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert 10_000 - 3_000 < sum(len(text) for text in texts) <= 10_000 + 200
    assert all(text.startswith("*") for text in texts), "each section starts at a heading"
    footer = all_text([blocks[-1]])
    assert "shortened" in footer and "<https://example.com/guidelines|Full guidelines>" in footer


def test_the_first_card_shows_as_much_as_a_card_holds_and_says_where_the_rest_is(
    bot: BotHarness,
) -> None:
    project(bot, LONG)

    bot.command("next", ANNOTATOR)

    card = bot.fake.wait_for("chat.postMessage")[0]
    shown = all_text(card["blocks"])
    assert "*rule 0*" in shown and "*rule 29*" not in shown
    assert "Shortened here: `/label guidelines` has the rest." in shown
    button(card["blocks"], Action.ACK_GUIDELINES)
