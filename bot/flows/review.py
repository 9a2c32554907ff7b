"""The review channel's content: what a review post shows, and sending an item there by hand.

Posting and updating the posts is `bot.delivery.review_posts`'s work.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.access import Directory
from bot.domain.completion import current_values
from bot.domain.consensus import consensus
from bot.domain.review_routing import open_review
from bot.domain.weighting import item_posterior
from bot.projects.spec import guideline_section
from bot.projects.sync import current_guidelines, project_spec
from bot.views.choices import choice_label
from bot.views.item_content import render_item_content
from bot.views.message import Message
from bot.views.people import SLACK_USER_ID
from bot.views.review_post import AnswerLine, LabelDoubt, ReviewPost, render_review_post
from storage import label_models
from storage import reviews as review_rows
from storage.models import EdgeCase, Item, Project, Review, ReviewReason
from storage.projects import project_by_id

log = logging.getLogger(__name__)


def send_to_review(session: Session, item: Item, requested_by: str) -> Review | None:
    """Route an item to review by hand (from a lookup card); None if a review is already open.

    The caller posts it after the ack (`effects.PublishReviews`).
    """
    review = open_review(session, item, ReviewReason.MANUAL, requested_by=requested_by)
    if review is not None:
        audit.record(
            session,
            actor=requested_by,
            action="send_to_review",
            project_id=item.project_id,
            detail={"item_id": item.id, "review_id": review.id},
        )
    return review


def review_post(session: Session, review: Review, directory: Directory) -> ReviewPost:
    """Read everything the review post shows (people by display name, from `directory`)."""
    project = project_by_id(session, review.project_id)
    item = session.get(Item, review.item_id)
    assert project is not None and item is not None
    spec = project_spec(project)
    answers = review_rows.current_answers(session, item.id)
    agreement = consensus(current_values(session, item.id))
    posterior = None
    if spec.consensus.method == "dawid_skene":
        sure = [(a.annotator, a.value) for a in answers if not a.unsure and a.value is not None]
        labels, probabilities = item_posterior(session, project.id, spec, sure)
        posterior = sorted(zip(labels, probabilities, strict=True), key=lambda p: -p[1])
    reasons = [ReviewReason(r) for r in review.reasons] or [review.reason]
    latest_edge = session.scalars(
        select(EdgeCase).where(EdgeCase.item_id == item.id).order_by(EdgeCase.id.desc()).limit(1)
    ).first()
    return ReviewPost(
        review_id=review.id,
        title=project.title,
        spec=spec,
        item=item,
        reasons=reasons,
        requested_by=review.requested_by,
        answers=[
            AnswerLine(a.annotator, a.value, a.unsure, a.unsure_reason, a.unsure_note)
            for a in answers
        ],
        agreement=agreement.share if agreement.answers else None,
        majority=agreement.label,
        posterior=posterior,
        excerpts=_excerpts(session, project, [a.value for a in answers if not a.unsure]),
        status=review.status,
        resolution=review.resolution,
        resolver=review.resolver,
        note=review.resolution_note,
        edge_case=(latest_edge.marked_by, latest_edge.what_makes_it_hard) if latest_edge else None,
        label_doubt=(
            _label_doubt(session, review) if ReviewReason.POSSIBLE_LABEL_ERROR in reasons else None
        ),
        names=display_names(
            directory,
            [a.annotator for a in answers]
            + [review.requested_by, review.resolver]
            + [latest_edge.marked_by if latest_edge else None],
        ),
    )


def _label_doubt(session: Session, review: Review) -> LabelDoubt | None:
    """What the project's model said about the decided label when it opened the review."""
    issue = label_models.issue_of_review(session, review.item_id, review.id)
    if issue is None:
        return None
    return LabelDoubt(
        model_version=issue.model_version,
        given=issue.given,
        given_probability=issue.given_probability,
        suggested=issue.suggested,
        suggested_probability=issue.suggested_probability,
    )


def display_names(directory: Directory, people: list[str | None]) -> dict[str, str]:
    """Display names of the Slack users among `people` that the directory knows."""
    names = {}
    for who in dict.fromkeys(p for p in people if p and SLACK_USER_ID.match(p)):
        name = directory.display_name(who)
        if name:
            names[who] = name
    return names


def _excerpts(session: Session, project: Project, values: list[Any]) -> list[tuple[str, str]]:
    """The guideline sections for the labels given, when the guidelines have one per label."""
    spec = project_spec(project)
    try:
        text = current_guidelines(session, project).content
    except LookupError:
        return []
    labels: list[str] = []
    for value in values:
        for label in value if isinstance(value, list) else [value]:
            if isinstance(label, str) and label not in labels:
                labels.append(label)
    by_value = {c.value: c for c in spec.task.effective_choices}
    found = []
    for label in labels:
        choice = by_value.get(label)
        if choice is None:
            continue
        excerpt = guideline_section(text, choice.value) or guideline_section(text, choice.text)
        if excerpt:
            found.append((choice_label(spec, label), excerpt))
    return found


def render_post(session: Session, review: Review, directory: Directory) -> Message:
    return render_review_post(review_post(session, review, directory))


def item_preview(session: Session, item: Item) -> str:
    project = project_by_id(session, item.project_id)
    assert project is not None
    return render_item_content(project_spec(project), item.data).fallback
