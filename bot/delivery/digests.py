"""Posting a digest at most once per project, kind and period, whoever triggers it.

The run is claimed (a `DigestRun` row, unique per project/kind/period) in its own committed
transaction BEFORE anything is posted, so a second scheduler, a restart or a coalesced misfire
finds the claim and posts nothing. A run that failed may be claimed again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.domain.access import Directory, lead_ids
from bot.flows.effects import PostDigest
from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from bot.reports.digest import (
    DailyDigest,
    DigestKind,
    WeeklyDigest,
    daily_digest,
    weekly_digest,
)
from bot.runtime.failures import log_failure
from bot.runtime.services import Services
from bot.slack.messaging import dm_channel, post_message, send_dm
from bot.views.digest import render_daily, render_lead_quality, render_weekly
from bot.views.message import Message
from storage.db import SessionFactory, read_only, unit_of_work
from storage.models import DigestRun, utcnow
from storage.projects import project_named

log = logging.getLogger(__name__)

POSTED, FAILED, STARTED = "posted", "failed", "started"
#: Each digest's chart upload: file name suffix, title suffix, alt text.
CHARTS: dict[DigestKind, tuple[str, str, str]] = {
    "daily": ("progress", "progress", "Answers per day (bars) and items complete (line)"),
    "weekly": (
        "learning-curve",
        "model learning curve",
        "The model's cross-validated accuracy and macro-F1 against decided labels",
    ),
}


def claim_period(sessions: SessionFactory, project_id: int, kind: str, period: str) -> int | None:
    """Record the run before posting; None when it was already claimed (and not failed)."""
    try:
        with unit_of_work(sessions) as session:
            run = DigestRun(project_id=project_id, kind=kind, period=period, status=STARTED)
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        pass
    with unit_of_work(sessions) as session:
        retried = session.execute(
            update(DigestRun)
            .where(
                DigestRun.project_id == project_id,
                DigestRun.kind == kind,
                DigestRun.period == period,
                DigestRun.status == FAILED,
            )
            .values(status=STARTED)
            .returning(DigestRun.id)
        ).scalar_one_or_none()
        return retried


def finish_run(sessions: SessionFactory, run_id: int, status: str) -> None:
    with unit_of_work(sessions) as session:
        run = session.get(DigestRun, run_id)
        if run is not None:
            run.status, run.finished_at = status, utcnow()


@dataclass(frozen=True)
class Rendered:
    """A digest ready to send: the public message (and chart: the daily progress chart, or
    the weekly learning curve of a project's model), and the leads-only flags."""

    slug: str
    kind: DigestKind
    spec: ProjectSpec
    message: Message
    chart: bytes | None
    flags: Message | None


def render_digest(sessions: SessionFactory, slug: str, kind: DigestKind, now: datetime) -> Rendered:
    """Compute in a read-only snapshot (no write lock held while charts are drawn)."""
    with read_only(sessions) as session:
        project = project_named(session, slug)
        spec = project_spec(project)
        digest: DailyDigest | WeeklyDigest
        chart: bytes | None
        if kind == "daily":
            digest = daily_digest(session, project, now)
            message, chart = render_daily(digest), digest.chart
        else:
            digest = weekly_digest(session, project, now)
            message, chart = render_weekly(digest), digest.chart
        if isinstance(digest, WeeklyDigest):
            flags = render_lead_quality(project.title, digest.quality, weekly=True)
        else:
            flags = render_lead_quality(project.title, digest.flags, weekly=False)
    return Rendered(slug, kind, spec, message, chart, flags)


def as_json(rendered: Rendered) -> str:
    """What `digest --dry-run` prints: every message with its blocks, and the chart's size."""
    out: dict[str, Any] = {
        "project": rendered.slug,
        "kind": rendered.kind,
        "message": {"text": rendered.message.text, "blocks": rendered.message.blocks},
        "chart_png_bytes": len(rendered.chart) if rendered.chart else None,
        "leads_only": None
        if rendered.flags is None
        else {"text": rendered.flags.text, "blocks": rendered.flags.blocks},
    }
    return json.dumps(out, indent=2, ensure_ascii=False)


def send_digest(client: WebClient, directory: Directory, rendered: Rendered) -> list[str]:
    """Post the public part to the project's channel (the leads' DMs when it has none),
    then the quality flags to each lead's DM. Returns the channels posted to."""
    spec, slack = rendered.spec, rendered.spec.slack
    channel = (
        slack.digest_channel
        if rendered.kind == "daily"
        else (slack.review_channel or slack.digest_channel)
    )
    leads = lead_ids(spec, directory)
    targets = [channel] if channel else [dm_channel(client, lead) for lead in leads]
    for target in targets:
        post_message(client, target, rendered.message)
        if rendered.chart is not None:
            name, title, alt = CHARTS[rendered.kind]
            client.files_upload_v2(
                channel=target,
                file=rendered.chart,
                filename=f"{rendered.slug}-{name}.png",
                title=f"{spec.title}: {title}",
                alt_txt=alt,
            )
    if rendered.flags is not None:
        for lead in leads:
            send_dm(client, lead, rendered.flags)
    return targets


def post_digest(
    sessions: SessionFactory,
    client: WebClient,
    directory: Directory,
    slug: str,
    kind: DigestKind,
    period: str,
    now: datetime,
) -> bool:
    """Claim, render, send, mark finished. False when this period was already posted."""
    with read_only(sessions) as session:
        project_id = project_named(session, slug).id
    run_id = claim_period(sessions, project_id, kind, period)
    if run_id is None:
        log.info("%s digest for %s, %s: already posted", kind, slug, period)
        return False
    try:
        targets = send_digest(client, directory, render_digest(sessions, slug, kind, now))
    except Exception:
        finish_run(sessions, run_id, FAILED)
        raise
    finish_run(sessions, run_id, POSTED)
    log.info("%s digest for %s, %s: posted to %s", kind, slug, period, ", ".join(targets))
    return True


def already_posted(sessions: SessionFactory, project_id: int, kind: str, period: str) -> bool:
    with read_only(sessions) as session:
        status = session.scalar(
            select(DigestRun.status).where(
                DigestRun.project_id == project_id,
                DigestRun.kind == kind,
                DigestRun.period == period,
            )
        )
    return status == POSTED


def post_digest_now(services: Services, client: WebClient, plan: PostDigest) -> None:
    """`/label digest`: a digest posted now, claimed like a scheduled one (logged on failure:
    it runs in the background, after the lead was told it is on its way)."""
    try:
        post_digest(
            services.sessions,
            client,
            services.directory,
            plan.slug,
            "weekly" if plan.kind == "weekly" else "daily",
            plan.period,
            services.clock(),
        )
    except Exception as exc:
        log_failure(log, f"posting the {plan.kind} digest of {plan.slug} failed", exc)
