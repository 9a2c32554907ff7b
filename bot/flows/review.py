"""The review channel: post each open review once, and let people send items there by hand.

Posting claims the review row first (see `storage.reviews`), so two threads or processes never
post the same review twice; a failed post gives the claim back for the next run.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.access import Directory
from bot.domain.completion import current_values
from bot.domain.consensus import consensus
from bot.domain.review_routing import open_review
from bot.domain.weighting import item_posterior
from bot.projects.spec import guideline_section
from bot.projects.sync import current_guidelines, has_valid_spec, project_spec
from bot.runtime.services import Services
from bot.views.choices import choice_label
from bot.views.item_content import render_item_content
from bot.views.message import Message
from bot.views.people import SLACK_USER_ID
from bot.views.review_post import AnswerLine, ReviewPost, render_review_post
from storage import reviews as review_rows
from storage.db import unit_of_work
from storage.models import EdgeCase, Item, Project, Review, ReviewReason

log = logging.getLogger(__name__)

SECONDS_BETWEEN_POSTS = 1.1  # chat.postMessage allows about one message per second per channel
CLAIM_TIMEOUT = timedelta(minutes=5)  # a claim older than this belongs to a poster that died
#: Errors after which updating a review post again cannot succeed (it was deleted).
GONE_FOR_GOOD = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})


def send_to_review(session: Session, item: Item, requested_by: str) -> Review | None:
    """Route an item to review by hand (from a lookup card); None if a review is already open.

    The caller posts it after the ack with `publish_pending_reviews`.
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
    project = session.get(Project, review.project_id)
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
    latest_edge = session.scalars(
        select(EdgeCase).where(EdgeCase.item_id == item.id).order_by(EdgeCase.id.desc()).limit(1)
    ).first()
    return ReviewPost(
        review_id=review.id,
        title=project.title,
        spec=spec,
        item=item,
        reasons=[ReviewReason(r) for r in review.reasons] or [review.reason],
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
        names=display_names(
            directory,
            [a.annotator for a in answers]
            + [review.requested_by, review.resolver]
            + [latest_edge.marked_by if latest_edge else None],
        ),
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
    project = session.get(Project, item.project_id)
    assert project is not None
    return render_item_content(project_spec(project), item.data).fallback


def publish_pending_reviews(
    services: Services, client: WebClient, project_id: int | None = None
) -> int:
    """Post every open review that has no post yet, then update every post that shows less
    than its item now has; returns how many were posted.

    Projects without `slack.review_channel` are skipped (and logged): their reviews stay
    open for the CLI, exports and a later configuration. Posts to one channel are paced.
    """
    stale_before = services.clock() - CLAIM_TIMEOUT
    with unit_of_work(services.sessions) as session:
        pending = review_rows.unposted_review_ids(
            session, project_id=project_id, stale_before=stale_before
        )
    posted = 0
    last_post: dict[str, float] = {}
    failed_channels: set[str] = set()
    for review_id in pending:
        outcome = _post_one(services, client, review_id, stale_before, last_post, failed_channels)
        posted += outcome
    with unit_of_work(services.sessions) as session:
        stale = review_rows.stale_post_ids(session, project_id=project_id)
    for review_id in stale:
        _update_one(services, client, review_id, last_post)
    return posted


def _post_one(
    services: Services,
    client: WebClient,
    review_id: int,
    stale_before: datetime,
    last_post: dict[str, float],
    failed_channels: set[str],
) -> int:
    token = review_rows.claim_token(services.clock())
    with unit_of_work(services.sessions) as session:
        review = session.get(Review, review_id)
        project = session.get(Project, review.project_id) if review else None
        if review is None or project is None or not has_valid_spec(project):
            return 0  # a project whose stored spec is broken is logged once, its reviews wait
        channel = project_spec(project).slack.review_channel
        if channel is None:
            log.info(
                "%s has no slack.review_channel; review %s not posted", project.slug, review_id
            )
            return 0
        if channel in failed_channels:
            return 0
        if not review_rows.claim_post(session, review_id, token, stale_before=stale_before):
            return 0
        message = render_post(session, review, services.directory)
    _pace(last_post, channel)
    try:
        response = client.chat_postMessage(
            channel=channel,
            blocks=message.blocks,
            text=message.text,
            unfurl_links=False,
            unfurl_media=False,
        )
    except Exception as exc:
        failed_channels.add(channel)
        log.warning("review %s could not be posted to %s: %s", review_id, channel, exc)
        with unit_of_work(services.sessions) as session:
            review_rows.release_claim(session, review_id, token)
        return 0
    with unit_of_work(services.sessions) as session:
        review_rows.store_post(
            session, review_id, token, str(response.get("channel") or channel), str(response["ts"])
        )
    return 1


def _update_one(
    services: Services, client: WebClient, review_id: int, last_post: dict[str, float]
) -> None:
    """Re-render a posted review in place (`chat.update`): a new answer or reason arrived."""
    with unit_of_work(services.sessions) as session:
        review = session.get(Review, review_id)
        if review is None or review.channel is None or review.message_ts is None:
            return
        if not review_rows.claim_update(session, review_id):
            return
        channel, ts = review.channel, review.message_ts
        message = render_post(session, review, services.directory)
    _pace(last_post, channel)
    try:
        client.chat_update(channel=channel, ts=ts, blocks=message.blocks, text=message.text)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("review post %s could not be updated: %s", review_id, error)
        if error not in GONE_FOR_GOOD:
            with unit_of_work(services.sessions) as session:
                review_rows.set_post_stale(session, review_id)
    except Exception as exc:
        log.warning("review post %s could not be updated: %s", review_id, exc)
        with unit_of_work(services.sessions) as session:
            review_rows.set_post_stale(session, review_id)


def _pace(last_post: dict[str, float], channel: str) -> None:
    previous = last_post.get(channel)
    if previous is not None:
        wait = SECONDS_BETWEEN_POSTS - (time.monotonic() - previous)
        if wait > 0:
            time.sleep(wait)
    last_post[channel] = time.monotonic()


def publish_in_background(services: Services, client: WebClient, project_id: int | None) -> None:
    """Publish off the listener thread: pacing several posts must not hold a listener."""
    services.background(lambda: _logged_publish(services, client, project_id))


def _logged_publish(services: Services, client: WebClient, project_id: int | None) -> None:
    posted = publish_pending_reviews(services, client, project_id)
    if posted:
        log.info("posted %d review(s)", posted)
