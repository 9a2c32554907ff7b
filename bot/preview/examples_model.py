"""The project's own model in Slack: a possible label error in the review channel, and a DM
card with the model's suggestion (`model.suggest: true`), from the real views."""

from __future__ import annotations

from bot.domain.suggestions import Suggestion
from bot.preview.example_data import ERIN, FRANK, ME, PEOPLE, example, item
from bot.preview.examples_review import excerpts
from bot.preview.shots import Post, Shot
from bot.views.labeling_card import render_item_card
from bot.views.review_post import AnswerLine, LabelDoubt, ReviewPost, render_review_post
from storage.models import ItemStatus, ReviewReason

SLUG = "review-sentiment"


def _label_error_post() -> ReviewPost:
    """A decided item whose label the model (version 3) finds unlikely: three people read
    "faulty" and said negative; the review praises the replacement service."""
    ex = example(SLUG)
    shown = item(
        SLUG,
        "rev-0016",
        1816,
        answer_count=3,
        status=ItemStatus.IN_REVIEW,
        is_gold=False,
        gold_answer=None,
        prediction=None,
        prediction_score=None,
    )
    return ReviewPost(
        review_id=512,
        title=ex.title,
        spec=ex.spec,
        item=shown,
        reasons=[ReviewReason.POSSIBLE_LABEL_ERROR],
        requested_by=None,
        answers=[AnswerLine(who, "negative") for who in (ME, ERIN, FRANK)],
        agreement=1.0,
        majority="negative",
        posterior=[("negative", 0.991), ("neutral", 0.006), ("positive", 0.003)],
        excerpts=excerpts(ex, ["negative", "positive"]),
        names=PEOPLE,
        label_doubt=LabelDoubt(
            model_version=3,
            given="negative",
            given_probability=0.04,
            suggested="positive",
            suggested_probability=0.93,
        ),
    )


def _suggesting_card() -> Post:
    """The card as `bot.flows.labeling.item_card` renders it when the project's model
    predicted the item and the project shows suggestions."""
    ex = example(SLUG)
    shown = item(SLUG, "rev-0005", 1205, prediction_version=3)
    assert isinstance(shown.prediction, str) and shown.prediction_score is not None
    message = render_item_card(
        title=ex.title,
        spec=ex.spec,
        data=shown.data,
        state=ex.state(lease_id=5015, session_count=9, suggested=True),
        remaining=388,
        today=9,
        suggestion=Suggestion(shown.prediction, shown.prediction_score),
    )
    return Post.of(message)


def model_shots() -> list[Shot]:
    return [
        Shot(
            "review-post-label-error",
            "Review post: a possible label error found by the project's model",
            "#sentiment-review (the project's review channel)",
            "bot.views.review_post.render_review_post",
            [Post.of(render_review_post(_label_error_post()))],
        ),
        Shot(
            "labeling-card-suggestion",
            "Labeling card with the model's suggestion (model.suggest: true)",
            "Labeler · direct message",
            "bot.views.labeling_card.render_item_card",
            [_suggesting_card()],
        ),
    ]
