"""What a lead sees in the review post: the item, why, every answer, references, controls."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.flows.review import render_post
from bot.slack.ids import Action
from bot.views.blocks import MAX_MESSAGE_BLOCKS, MAX_TEXT
from bot.views.review_state import ReviewRef
from storage.models import Annotation, Item, Review, ReviewReason, ReviewStatus
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button, shown_name
from tests.test_review_routing import (
    LEAD,
    OTHER,
    no_pacing,  # noqa: F401 - autouse fixture
    open_and_post,
    review_spec,
)

ANNOT = "U0ANNOT001"


def setup_item(bot: BotHarness, text: str, **item_fields: Any) -> int:
    overrides = item_fields.pop("spec", {})
    with bot.session() as session:
        project = create_project(session, review_spec(**overrides))
        [item_id] = add_items(session, project, [text], **item_fields)
        return item_id


def answer(bot: BotHarness, item_id: int, annotator: str, value: Any, **fields: Any) -> None:
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        session.add(
            Annotation(
                item_id=item_id,
                project_id=item.project_id,
                annotator=annotator,
                value=value,
                **fields,
            )
        )


def test_the_post_shows_answers_by_name_gold_prediction_and_guideline_excerpts(
    bot: BotHarness,
) -> None:
    item_id = setup_item(
        bot,
        "Arrived broken <!channel> & late",
        gold_answer="negative",
        gold_note="Damage <is> a complaint",
        prediction="positive",
        prediction_score=0.62,
        data={"product": "Aurora"},
    )
    answer(bot, item_id, ANNOT, "positive")
    answer(bot, item_id, OTHER, "negative")
    answer(
        bot,
        item_id,
        "U0ANNOT003",
        None,
        unsure=True,
        unsure_reason="guideline_gap",
        unsure_note="<@U0LEAD0001> what about *broken*?",
    )

    post = open_and_post(bot, item_id)

    text = all_text(post["blocks"])
    assert "Arrived broken &lt;!channel&gt; &amp; late" in text
    assert "<!channel>" not in text
    assert f"{shown_name(ANNOT)}: *Positive*" in text and f"{shown_name(OTHER)}: *Negative*" in text
    assert "*user.u0annot003*: _Unsure_ (Guidelines don't cover it)" in text
    assert "&lt;@U0LEAD0001&gt; what about *broken*?" in text
    assert "*Gold answer*\nNegative\nDamage &lt;is&gt; a complaint" in text
    assert "*Model prediction*\nPositive (0.62)" in text
    assert "*Guidelines · Positive*\nThe customer is *happy*." in text, "Markdown rendered"
    assert "*Guidelines · Negative*\nThe customer complains." in text
    assert "Neither." not in text, "only the sections of labels given"
    assert "Aurora" in text
    assert "<@" not in text, "a review post never notifies the people it names"


def test_imported_annotator_names_are_shown_as_text_never_as_mentions(bot: BotHarness) -> None:
    item_id = setup_item(bot, "text")
    answer(bot, item_id, "<!here>|bob", "positive")

    post = open_and_post(bot, item_id)

    text = all_text(post["blocks"])
    assert "*&lt;!here&gt;|bob*: *Positive*" in text
    assert "<!here>" not in text


def test_single_choice_posts_offer_one_click_resolve_per_label_and_the_other_actions(
    bot: BotHarness,
) -> None:
    item_id = setup_item(bot, "text")
    answer(bot, item_id, ANNOT, "neutral")

    post = open_and_post(bot, item_id)

    blocks = post["blocks"]
    resolve = [button(blocks, f"{Action.RESOLVE}:{v}") for v in ("positive", "neutral", "negative")]
    assert [b["text"]["text"] for b in resolve] == [
        "Resolve as Positive",
        "Resolve as Neutral",
        "Resolve as Negative",
    ]
    assert [b.get("style") for b in resolve] == [None, "primary", None], "majority highlighted"
    assert ReviewRef.decode(resolve[1]["value"]).choice == "neutral"
    assert button(blocks, Action.OPEN_RESOLVE)["text"]["text"] == "Resolve with a note…"
    button(blocks, Action.MARK_EDGE_CASE)
    assert "confirm" in button(blocks, Action.SEND_BACK)


def test_multi_choice_posts_resolve_through_a_form(bot: BotHarness) -> None:
    with bot.session() as session:
        multi = review_spec(kind="multi_choice", slug="intents")
        [item_id] = add_items(session, create_project(session, multi), ["text"])
    answer(bot, item_id, ANNOT, ["billing", "login"])

    post = open_and_post(bot, item_id)

    assert f"{shown_name(ANNOT)}: *Billing, Login*" in all_text(post["blocks"])
    assert button(post["blocks"], Action.OPEN_RESOLVE)["text"]["text"] == "Resolve…"
    assert not [
        e
        for b in post["blocks"]
        for e in b.get("elements", [])
        if str(e.get("action_id", "")).startswith(f"{Action.RESOLVE}:")
    ]


def test_a_crowded_review_stays_within_block_kit_limits(bot: BotHarness) -> None:
    choices = [{"value": f"c{i}", "text": f"Choice {i} " + "x" * 45} for i in range(25)]
    item_id = setup_item(
        bot,
        "long & " * 2000,
        spec={"task": {"kind": "single_choice", "choices": choices}, "overlap": 50},
    )
    for index in range(50):
        answer(
            bot,
            item_id,
            f"U0ANN{index:05d}",
            None,
            unsure=True,
            unsure_reason="ambiguous",
            unsure_note="n&" * 500,
        )

    post = open_and_post(bot, item_id)

    blocks = post["blocks"]
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    for block in blocks:
        if isinstance(block.get("text"), dict):
            assert len(block["text"]["text"]) <= MAX_TEXT
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
    assert "more" in all_text(blocks), "answers beyond the text limit are counted, not cut"
    assert len(json.dumps(blocks)) < 13_000


def test_a_resolved_review_renders_the_decision_without_buttons(bot: BotHarness) -> None:
    item_id = setup_item(bot, "text")
    open_and_post(bot, item_id)
    with bot.session() as session:
        review = session.scalars(select(Review)).one()
        review.status, review.resolver = ReviewStatus.RESOLVED, LEAD
        review.resolution, review.resolution_note = "negative", "Sarcasm <counts>"
        session.flush()
        message = render_post(session, review, bot.services.directory)

    assert not [b for b in message.blocks if b["type"] == "actions"]
    text = all_text(message.blocks)
    assert f"*Resolved as Negative* by {shown_name(LEAD)}" in text
    assert "Sarcasm &lt;counts&gt;" in text
    assert review.reason is ReviewReason.MANUAL


def test_shares_that_round_alike_are_shown_with_a_decimal() -> None:
    from bot.views.review_post import shares

    assert shares(2 / 3, 0.67) == ("66.7%", "67.0%")
    assert shares(0.5, 0.75) == ("50%", "75%")


def test_a_weighted_project_highlights_the_weighted_vote_not_the_raw_majority() -> None:
    from dataclasses import replace

    from bot.views.review_post import AnswerLine, ReviewPost, render_review_post
    from storage.models import Item, ReviewReason

    post = ReviewPost(
        review_id=1,
        title="Sentiment",
        spec=make_spec(consensus={"method": "dawid_skene"}),
        item=Item(id=7, external_id="r7", data={"text": "t"}),
        reasons=[ReviewReason.NOT_CONFIDENT],
        requested_by=None,
        answers=[AnswerLine("U0A", "positive"), AnswerLine("U0B", "negative")],
        agreement=0.5,
        majority="positive",
        posterior=[("negative", 0.71), ("positive", 0.27), ("neutral", 0.02)],
    )

    def highlighted(p: ReviewPost) -> list[str]:
        blocks = render_review_post(p).blocks
        return [
            e["action_id"]
            for b in blocks
            for e in b.get("elements", [])
            if e.get("style") == "primary"
        ]

    assert post.suggested == "negative" and highlighted(post) == ["resolve:negative"]
    tied = replace(post, posterior=[("negative", 0.5), ("positive", 0.5), ("neutral", 0.0)])
    assert tied.suggested is None and highlighted(tied) == []
    plain = replace(post, posterior=None)
    assert plain.suggested == "positive"
