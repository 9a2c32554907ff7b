"""Annotators' messages: the DM card in every task kind and state, its modals, the channel
post, notices, pickers and the message shortcut, from the real view functions."""

from __future__ import annotations

from bot.domain.quarantine import QUARANTINED
from bot.flows.labeling import PAUSED
from bot.flows.project_choice import NOT_ALLOWED
from bot.preview.example_data import PORTRAIT_ITEM, example, item
from bot.preview.shots import Post, Shot, ephemeral
from bot.views.channel_post import render_channel_post
from bot.views.choices import choice_label
from bot.views.item_content import full_text, item_text, render_item_content
from bot.views.labeling_card import (
    Previous,
    render_done_card,
    render_guidelines_card,
    render_item_card,
    render_stopped_card,
)
from bot.views.message import render_notice
from bot.views.message_modal import MessageRef, render_message_modal
from bot.views.modals import render_free_text_modal, render_full_text_modal, render_unsure_modal
from bot.views.pickers import render_guidelines, render_project_picker
from storage.models import ItemStatus

DM = "Labeler · direct message"
CARD = "bot.views.labeling_card.render_item_card"


def _card(
    slug: str, external_id: str, *, remaining: int, today: int, previous: Previous | None = None
) -> Post:
    ex = example(slug)
    shown = item(slug, external_id, 1200)
    state = ex.state(lease_id=5012, session_count=today)
    message = render_item_card(
        title=ex.title,
        spec=ex.spec,
        data=shown.data,
        state=state,
        remaining=remaining,
        today=today,
        previous=previous,
    )
    return Post.of(message)


def cards() -> list[Shot]:
    """The labeling card in each task kind and layout."""
    image = example("image-tags")
    portrait = item("image-tags", "img-portrait", 1300, data=dict(PORTRAIT_ITEM))
    image_card = render_item_card(
        title=image.title,
        spec=image.spec,
        data=portrait.data,
        state=image.state(lease_id=5013),
        remaining=17,
        today=4,
    )
    return [
        Shot(
            "labeling-card",
            "Labeling card (single choice)",
            DM,
            CARD,
            [_card("review-sentiment", "rev-0004", remaining=412, today=23)],
            main=True,
        ),
        Shot(
            "labeling-card-multi-choice",
            "Labeling card (multi choice, PII redacted)",
            DM,
            CARD,
            [_card("support-intent", "sup-1001", remaining=96, today=8)],
        ),
        Shot(
            "labeling-card-rating",
            "Labeling card (rating scale)",
            DM,
            CARD,
            [_card("answer-helpfulness", "hlp-002", remaining=40, today=2)],
        ),
        Shot(
            "labeling-card-pairwise",
            "Labeling card (pairwise, side by side)",
            DM,
            CARD,
            [_card("llm-preference", "pair-002", remaining=51, today=12)],
        ),
        Shot("labeling-card-image", "Labeling card (image)", DM, CARD, [Post.of(image_card)]),
        Shot(
            "labeling-card-free-text",
            "Labeling card (free text, audio)",
            DM,
            CARD,
            [_card("audio-transcription", "clip-003", remaining=13, today=3)],
        ),
    ]


HOSTILE = {
    "text": "<!channel> Refund me now <@U03ERINANN2>, or see <https://evil.example/login|your "
    "account> & *reply*",
    "product": "<!here> VoltGo USB-C charger",
    "stars": "1",
}


def hostile() -> Shot:
    """Item text written to ping and link: the card's blocks and its notification `text`."""
    ex = example("review-sentiment")
    message = render_item_card(
        title=ex.title,
        spec=ex.spec,
        data=item("review-sentiment", "rev-hostile", 1250, data=HOSTILE).data,
        state=ex.state(lease_id=5014),
        remaining=409,
        today=26,
    )
    return Shot(
        "labeling-card-hostile-text",
        "Labeling card for an item whose text holds Slack markup, and its notification",
        DM,
        CARD,
        [Post.of(message)],
        notifications=True,
    )


def card_states() -> list[Shot]:
    """The card's other faces: guidelines first, after an answer, done, stopped."""
    ex = example("review-sentiment")
    state = ex.state(lease_id=5012, session_count=24)
    guidelines = render_guidelines_card(
        title=ex.title,
        guidelines=ex.guidelines,
        version=ex.version,
        url=ex.spec.guidelines.url,
        state=state,
        changed=False,
    )
    answered = Previous(annotation_id=88120, label=choice_label(ex.spec, "negative"))
    gold = Previous(
        annotation_id=88121,
        label=choice_label(ex.spec, "positive"),
        gold_expected=choice_label(ex.spec, "negative"),
        gold_note="Sarcasm counts as what the writer means: “Great, it broke on day one” "
        "is negative.",
    )
    done = render_done_card(
        title=ex.title, session_count=24, today=47, previous=answered, state=state
    )
    stopped = render_stopped_card(title=ex.title, session_count=24, today=47, state=state)
    return [
        Shot(
            "guidelines-card",
            "Guidelines before the first item",
            DM,
            "bot.views.labeling_card.render_guidelines_card",
            [Post.of(guidelines)],
        ),
        Shot(
            "card-after-answer",
            "The next card, with the answer just given and Undo",
            DM,
            CARD,
            [_card("review-sentiment", "rev-0008", remaining=411, today=24, previous=answered)],
        ),
        Shot(
            "card-after-gold-answer",
            "The next card after a missed check (gold) item",
            DM,
            CARD,
            [_card("review-sentiment", "rev-0010", remaining=410, today=25, previous=gold)],
        ),
        Shot(
            "done-card",
            "Nothing left",
            DM,
            "bot.views.labeling_card.render_done_card",
            [Post.of(done)],
        ),
        Shot(
            "stopped-card",
            "After Stop",
            DM,
            "bot.views.labeling_card.render_stopped_card",
            [Post.of(stopped)],
        ),
    ]


def modals() -> list[Shot]:
    sentiment = example("review-sentiment")
    audio = example("audio-transcription")
    clip = item("audio-transcription", "clip-003", 1400)
    prefill = item_text(audio.spec, clip.data, audio.spec.task.prefill_field or "")
    pair = example("llm-preference")
    long_pair = item("llm-preference", "pair-001", 1500)
    state = sentiment.state(lease_id=5012)
    return [
        Shot(
            "unsure-modal",
            "Unsure…",
            "Modal from the card's Unsure… button",
            "bot.views.modals.render_unsure_modal",
            view=render_unsure_modal(state),
        ),
        Shot(
            "free-text-modal",
            "Free-text answer",
            "Modal from the card's Answer… button",
            "bot.views.modals.render_free_text_modal",
            view=render_free_text_modal(
                audio.spec.task.question,
                prefill,
                audio.spec.task.max_text_length,
                render_item_content(audio.spec, clip.data).blocks,
                state,
            ),
        ),
        Shot(
            "full-text-modal",
            "Show full text",
            "Modal from the card's Show full text button",
            "bot.views.modals.render_full_text_modal",
            view=render_full_text_modal("Full text", full_text(pair.spec, long_pair.data)),
        ),
    ]


def channel_posts() -> list[Shot]:
    ex = example("review-sentiment")
    open_item = item("review-sentiment", "rev-0014", 1731, answer_count=1)
    done_item = item(
        "review-sentiment", "rev-0014", 1731, answer_count=3, status=ItemStatus.COMPLETE
    )
    where = "#sentiment-labeling (the project's labeling channel)"
    source = "bot.views.channel_post.render_channel_post"
    return [
        Shot(
            "channel-post",
            "Channel mode: an item posted to the labeling channel",
            where,
            source,
            [Post.of(render_channel_post(ex.project, ex.spec, open_item))],
        ),
        Shot(
            "channel-post-done",
            "Channel mode: the same post once the item is done",
            where,
            source,
            [Post.of(render_channel_post(ex.project, ex.spec, done_item))],
        ),
    ]


def commands() -> list[Shot]:
    """Answers to `/label next` and `/label guidelines`, notices, the message shortcut."""
    sentiment, support = example("review-sentiment"), example("support-intent")
    projects = [sentiment.project, support.project, example("llm-preference").project]
    message = (
        "Hi team, customer says the app logs them out every time they switch to the Orders "
        "tab, and they were charged twice for November. Email: jo.bloggs@example.com"
    )
    ref = MessageRef(channel="C05SUPPORT9", ts="1764233000.000100", label=True)
    notices = [
        render_notice(PAUSED.format(title=sentiment.title)),
        render_notice(NOT_ALLOWED.format(title=support.title)),
        render_notice(QUARANTINED.format(title=sentiment.title)),
    ]
    return [
        ephemeral(
            "project-picker",
            "/label next with several projects",
            "bot.views.pickers.render_project_picker",
            render_project_picker(projects, purpose="next"),
        ),
        ephemeral(
            "guidelines",
            "/label guidelines",
            "bot.views.pickers.render_guidelines",
            render_guidelines(
                sentiment.title,
                sentiment.guidelines,
                sentiment.version,
                sentiment.spec.guidelines.url,
            ),
        ),
        ephemeral(
            "notices",
            "Notices: paused project, not an annotator, quarantined",
            "bot.views.labeling_card.render_notice",
            *notices,
        ),
        Shot(
            "label-message-modal",
            "Message shortcut: Label this message",
            "Modal from a message's ⋮ menu in #support",
            "bot.views.message_modal.render_message_modal",
            view=render_message_modal([support.project, sentiment.project], message, ref),
        ),
    ]


def labeling_shots() -> list[Shot]:
    return [*cards(), hostile(), *card_states(), *modals(), *channel_posts(), *commands()]
