"""Review posts in the review channel: each open review posted once, and updated in place
whenever its item gets an answer or a reason.

Posting claims the review row first (see `storage.reviews`), so two threads or processes never
post the same review twice; a failed post gives the claim back for the next run. Posts to one
channel are paced to Slack's rate.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows.review import render_post
from bot.projects.sync import has_valid_spec, project_spec
from bot.runtime.services import Services
from bot.slack.messaging import post_message, update_message
from storage import reviews as review_rows
from storage.db import unit_of_work
from storage.models import Review
from storage.projects import project_by_id

log = logging.getLogger(__name__)

SECONDS_BETWEEN_POSTS = 1.1  # chat.postMessage allows about one message per second per channel
CLAIM_TIMEOUT = timedelta(minutes=5)  # a claim older than this belongs to a poster that died
#: Errors after which updating a review post again cannot succeed (it was deleted).
GONE_FOR_GOOD = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})


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
        project = project_by_id(session, review.project_id) if review else None
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
        ts = post_message(client, channel, message)
    except Exception as exc:
        failed_channels.add(channel)
        log.warning("review %s could not be posted to %s: %s", review_id, channel, exc)
        with unit_of_work(services.sessions) as session:
            review_rows.release_claim(session, review_id, token)
        return 0
    with unit_of_work(services.sessions) as session:
        review_rows.store_post(session, review_id, token, channel, ts)
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
        update_message(client, channel, ts, message)
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
