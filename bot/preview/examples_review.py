"""The review channel and lookups: review posts in each state, their modals, the thread's
closing reply, the dissent DM, `/label item` and `/label search`, from the real views."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.preview.example_data import (
    ERIN,
    FRANK,
    LEAD,
    ME,
    NOW,
    PEOPLE,
    SAM,
    Example,
    example,
    item,
)
from bot.preview.shots import Post, Shot, ephemeral
from bot.projects.spec import guideline_section
from bot.views.blocks import safe
from bot.views.choices import choice_label
from bot.views.item_content import item_text, render_item_content
from bot.views.lookup_card import AnswerLine as LookupAnswer
from bot.views.lookup_card import ItemDetails, ReviewLine, render_lookup_card
from bot.views.people import named
from bot.views.review_modals import render_edge_case_modal, render_resolve_modal
from bot.views.review_notes import render_dissent_dm, render_thread_note
from bot.views.review_post import AnswerLine, ReviewPost, render_review_post
from bot.views.review_state import ReviewRef
from bot.views.search_results import ResultRow, render_results, search_heading
from storage.models import ItemStatus, ReviewReason, ReviewStatus

REVIEW_CHANNEL = "#sentiment-review (the project's review channel)"
POST = "bot.views.review_post.render_review_post"


def excerpts(ex: Example, values: list[Any]) -> list[tuple[str, str]]:
    """The guideline section of each label given, as `bot.flows.review` picks them."""
    found: list[tuple[str, str]] = []
    for value in dict.fromkeys(v for v in values if isinstance(v, str)):
        choice = next((c for c in ex.spec.task.effective_choices if c.value == value), None)
        if choice is None:
            continue
        text = guideline_section(ex.guidelines, choice.value)
        text = text or guideline_section(ex.guidelines, choice.text)
        if text:
            found.append((choice_label(ex.spec, value), text))
    return found


def _weighted(**changes: Any) -> ReviewPost:
    """A weighted-vote project's item the vote is not sure about, one annotator unsure."""
    ex = example("review-sentiment")
    shown = item(
        "review-sentiment",
        "rev-0012",
        1843,
        answer_count=4,
        required_answers=4,
        status=ItemStatus.IN_REVIEW,
    )
    answers = [
        AnswerLine(ME, "negative"),
        AnswerLine(ERIN, "positive"),
        AnswerLine(FRANK, None, True, "ambiguous", "Praises the driver, slams the product."),
        AnswerLine(SAM, "positive"),
    ]
    post = ReviewPost(
        review_id=311,
        title=ex.title,
        spec=ex.spec,
        item=shown,
        reasons=[ReviewReason.UNSURE, ReviewReason.NOT_CONFIDENT],
        requested_by=None,
        answers=answers,
        agreement=0.67,
        majority="positive",
        posterior=[("negative", 0.71), ("positive", 0.27), ("neutral", 0.02)],
        excerpts=excerpts(ex, ["negative", "positive"]),
        names=PEOPLE,
    )
    return replace(post, **changes)


def _disagreement() -> ReviewPost:
    ex = example("llm-preference")
    shown = item("llm-preference", "pair-002", 2207, answer_count=3, status=ItemStatus.IN_REVIEW)
    values = ["a", "b", "a"]
    return ReviewPost(
        review_id=412,
        title=ex.title,
        spec=ex.spec,
        item=shown,
        reasons=[ReviewReason.DISAGREEMENT],
        requested_by=None,
        answers=[AnswerLine(who, v) for who, v in zip([ME, ERIN, FRANK], values, strict=True)],
        agreement=2 / 3,
        majority="a",
        excerpts=excerpts(ex, values),
        names=PEOPLE,
    )


def _tie() -> ReviewPost:
    ex = example("support-intent")
    shown = item("support-intent", "sup-1003", 3120, answer_count=2, status=ItemStatus.IN_REVIEW)
    return ReviewPost(
        review_id=77,
        title=ex.title,
        spec=ex.spec,
        item=shown,
        reasons=[ReviewReason.DISAGREEMENT],
        requested_by=None,
        answers=[AnswerLine(ERIN, ["shipping"]), AnswerLine(ME, ["shipping", "other"])],
        agreement=0.5,
        majority=None,
        names=PEOPLE,
    )


def review_posts() -> list[Shot]:
    resolved = _weighted(
        status=ReviewStatus.RESOLVED,
        resolution="negative",
        resolver=LEAD,
        note="The product is what the review judges; the driver is praised in passing.",
        edge_case=(LEAD, "Praise for delivery, complaint about the product."),
    )
    return [
        Shot(
            "review-post",
            "Review post: answers disagree",
            "#preference-review (the project's review channel)",
            POST,
            [Post.of(render_review_post(_disagreement()))],
            main=True,
        ),
        Shot(
            "review-post-tie",
            "Review post: a tie on a multi-choice item",
            "#support-review (the project's review channel)",
            POST,
            [Post.of(render_review_post(_tie()))],
        ),
        Shot(
            "review-post-weighted",
            "Review post: weighted vote not sure enough, and an Unsure answer",
            REVIEW_CHANNEL,
            POST,
            [Post.of(render_review_post(_weighted()))],
        ),
        Shot(
            "review-post-resolved",
            "Review post after a lead resolved it (and marked an edge case)",
            REVIEW_CHANNEL,
            POST,
            [Post.of(render_review_post(resolved))],
        ),
    ]


def review_messages() -> list[Shot]:
    """Modals from the review post, the thread reply and the dissent DM."""
    ex = example("review-sentiment")
    post = _weighted()
    preview = render_item_content(ex.spec, post.item.data).fallback
    ref = ReviewRef(review_id=post.review_id)
    note = "The product is what the review judges; the driver is praised in passing."
    decided = choice_label(ex.spec, "negative")
    # The headline as bot.flows.review_decisions.resolve writes it (the lead by name).
    headline = f":white_check_mark: Resolved as *{safe(decided, 300)}* by {named(LEAD, PEOPLE)}."
    dissent = render_dissent_dm(
        title=ex.title,
        external_id=post.item.external_id,
        preview=preview,
        your_answer=choice_label(ex.spec, "positive"),
        decided=decided,
        lead=LEAD,
        note=note,
    )
    return [
        Shot(
            "resolve-modal",
            "Resolve with a note…",
            "Modal from a review post",
            "bot.views.review_modals.render_resolve_modal",
            view=render_resolve_modal(
                ex.spec,
                ref,
                external_id=post.item.external_id,
                preview=preview,
                majority=post.suggested,
            ),
        ),
        Shot(
            "edge-case-modal",
            "Mark as edge case…",
            "Modal from a review post",
            "bot.views.review_modals.render_edge_case_modal",
            view=render_edge_case_modal(ref, external_id=post.item.external_id, preview=preview),
        ),
        Shot(
            "review-thread-reply",
            "The review thread's closing reply",
            "Thread reply under the review post",
            "bot.views.review_notes.render_thread_note",
            [Post.of(render_thread_note(headline, [("Note", note)]))],
        ),
        Shot(
            "dissent-dm",
            "DM to an annotator whose answer the lead decided against",
            "Labeler · direct message (to Erin)",
            "bot.views.review_notes.render_dissent_dm",
            [Post.of(dissent)],
        ),
    ]


def lookups() -> list[Shot]:
    ex = example("review-sentiment")
    shown = item("review-sentiment", "rev-0012", 1843)
    at = NOW - timedelta(days=2, hours=3)
    answers = [
        LookupAnswer(
            ME, choice_label(ex.spec, "negative"), at, seconds=14, guideline_version=ex.version
        ),
        LookupAnswer(
            ERIN,
            choice_label(ex.spec, "neutral"),
            at + timedelta(minutes=9),
            seconds=31,
            guideline_version=ex.version,
            superseded=True,
        ),
        LookupAnswer(
            ERIN,
            choice_label(ex.spec, "positive"),
            at + timedelta(minutes=10),
            seconds=6,
            guideline_version=ex.version,
        ),
        LookupAnswer(
            FRANK,
            "(no value)",
            at + timedelta(hours=1),
            unsure=True,
            unsure_reason="ambiguous",
            unsure_note="Praises the driver, slams the product.",
            seconds=48,
            guideline_version=ex.version,
        ),
        LookupAnswer(
            "vendor-batch-7",
            choice_label(ex.spec, "negative"),
            at - timedelta(days=20),
            imported=True,
        ),
    ]
    details = ItemDetails(
        item_id=shown.id,
        external_id=shown.external_id,
        project_title=ex.title,
        spec=ex.spec,
        data=shown.data,
        status="complete",
        answer_count=4,
        required_answers=4,
        final_label=choice_label(ex.spec, "negative"),
        final_method="adjudicated",
        completed_at=NOW - timedelta(hours=20),
        answers=answers,
        review=ReviewLine(
            reason="unsure, not_confident",
            status="resolved",
            resolver=LEAD,
            note="The product is what the review judges.",
            permalink="https://example.slack.com/archives/C04RVWSENT2/p1764233000000100",
        ),
        comments=3,
        prediction=choice_label(ex.spec, "negative"),
        prediction_score=0.77,
        can_relabel=True,
    )
    rows = [
        _result("support-intent", "sup-1018", 3118, "open", None),
        _result("support-intent", "sup-1005", 3105, "complete", ["refund", "cancellation"]),
        _result("support-intent", "sup-1001", 3101, "in_review", None),
        _result("answer-helpfulness", "hlp-011", 4011, "complete", "2"),
    ]
    return [
        ephemeral(
            "lookup-card",
            "/label item rev-0012 (as a lead)",
            "bot.views.lookup_card.render_lookup_card",
            render_lookup_card(details),
        ),
        ephemeral(
            "search-results",
            "/label search refund",
            "bot.views.search_results.render_results",
            render_results(search_heading("refund", len(rows)), rows),
        ),
    ]


def _result(slug: str, external_id: str, item_id: int, status: str, final: Any) -> ResultRow:
    """A search result row as `bot.flows.lookup` builds it (first display field, redacted)."""
    ex = example(slug)
    data = item(slug, external_id, item_id).data
    return ResultRow(
        item_id=item_id,
        external_id=external_id,
        project_title=ex.title,
        status=status,
        final_label=None if final is None else choice_label(ex.spec, final),
        preview=item_text(ex.spec, data, ex.spec.display_keys[0])[:400],
    )


def review_shots() -> list[Shot]:
    return [*review_posts(), *review_messages(), *lookups()]
