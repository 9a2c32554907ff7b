"""The lookup card and search results stay within Block Kit's limits whatever the data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.views.blocks import MAX_MESSAGE_BLOCKS, MAX_TEXT
from bot.views.lookup_card import AnswerLine, ItemDetails, ReviewLine, render_lookup_card
from bot.views.people import mention
from bot.views.search_results import ResultRow, render_results, search_heading
from tests.factories import make_spec

WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def details(**overrides: Any) -> ItemDetails:
    values: dict[str, Any] = {
        "item_id": 7,
        "external_id": "ext-7",
        "project_title": "Sentiment",
        "spec": make_spec(),
        "data": {"text": "hello", "product": "Kettle"},
        "status": "complete",
        "answer_count": 1,
        "required_answers": 1,
        "final_label": "Positive",
        "final_method": "consensus",
        "completed_at": WHEN,
    }
    values.update(overrides)
    return ItemDetails(**values)


def texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return []


def test_a_huge_item_with_hundreds_of_long_answers_fits_in_one_message() -> None:
    answers = [
        AnswerLine(
            annotator=f"U0ANNOT{n:03d}",
            label="x" * 500,
            created_at=WHEN,
            unsure=n % 2 == 0,
            unsure_reason="ambiguous",
            unsure_note="<@U0EVIL> " + "n" * 2000,
        )
        for n in range(300)
    ]
    card = details(data={"text": "&<>" * 20_000}, answers=answers)

    message = render_lookup_card(card)

    assert len(message.blocks) <= MAX_MESSAGE_BLOCKS
    assert all(len(t) <= MAX_TEXT for t in texts(message.blocks))
    assert len(json.dumps(message.blocks)) < 40_000
    shown = "\n".join(texts(message.blocks))
    assert "…and 260 more" in shown and "<@U0EVIL>" not in shown
    assert message.text


def test_answers_show_who_what_when_and_superseded_ones_are_struck_through() -> None:
    answers = [
        AnswerLine("U0ANNOT001", "Positive", WHEN, seconds=4.2, guideline_version="v2"),
        AnswerLine("alice@example.com", "Negative", WHEN, superseded=True, imported=True),
    ]

    shown = "\n".join(texts(render_lookup_card(details(answers=answers)).blocks))

    assert "• <@U0ANNOT001> *Positive* · <!date^1772368200^" in shown
    assert "· 4 s · guidelines v2" in shown
    assert "• ~alice@example.com *Negative*" in shown and "imported~ _(superseded)_" in shown


def test_mentions_only_for_slack_user_ids() -> None:
    assert mention("U0ANNOT001") == "<@U0ANNOT001>"
    assert mention("W0ENTERPRISE") == "<@W0ENTERPRISE>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention("U0X> <!here") == "U0X&gt; &lt;!here"


def test_an_open_review_hides_send_to_review() -> None:
    review = ReviewLine(reason="manual", status="open")

    message = render_lookup_card(details(review=review))

    assert "send_to_review" not in json.dumps(message.blocks)
    assert "*Review:* open (manual)" in "\n".join(texts(message.blocks))


def test_search_results_escape_what_they_show() -> None:
    row = ResultRow(7, "<ext>", "<Project>", "in_review", "<label>", "text <!everyone>")

    message = render_results(search_heading("<q>", 1), [row])

    shown = "\n".join(texts(message.blocks))
    assert "<" not in shown.replace("&lt;", "")
    assert "in review" in shown and "“&lt;q&gt;”" in shown
