"""The digest scheduler: APScheduler's BackgroundScheduler, started once per deployment by
`python -m bot run` (in gunicorn's arbiter, never in its workers).

Jobs are rebuilt from the projects in the database at every start (ids
`digest:<slug>:<kind>`, `replace_existing=True`), so an in-memory job store survives restarts
by construction. Every job first asks `may_run` (the leader lock of `bot.scheduling.leader`,
so with several bot processes only one acts), and each digest run claims its period in the
database before posting (`bot.delivery.digests`), so restarts, coalesced misfires or a
second process never post twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import select

from bot.delivery.digests import post_digest
from bot.delivery.model_refits import refit_models
from bot.delivery.model_training import ModelTrainer
from bot.delivery.review_posts import publish_pending_reviews
from bot.domain.access import Directory
from bot.projects.spec import ProjectSpec
from bot.projects.sync import has_valid_spec, project_spec
from bot.reports.digest import DigestKind
from bot.runtime.config import Settings
from bot.runtime.failures import log_failure
from bot.runtime.services import Services, SlackDirectory
from bot.runtime.shutdown import JOB_THREAD_PREFIX
from storage.db import SessionFactory, read_only, unit_of_work
from storage.maintenance import forget_processed_events
from storage.models import Project, utcnow

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 15 * 60


def job_id(slug: str, kind: DigestKind) -> str:
    return f"digest:{slug}:{kind}"


_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]  # cron's numbering


def crontab_days(field: str) -> str:
    """A crontab day-of-week field in APScheduler 3's terms.

    `CronTrigger.from_crontab` passes the field through unchanged, but APScheduler 3 counts
    0 as Monday while cron counts 0 as Sunday: "1-5" would mean Tuesday to Saturday. Numbers
    become day names (the spec's validation already refuses 7 and wrapping ranges).
    """
    parts: list[str] = []
    for part in field.split(","):
        span, _, step = part.partition("/")
        if step and (span == "*" or span.replace("-", "").isdigit()):
            low, _, high = ("0-6" if span == "*" else span).partition("-")
            days = range(int(low), int(high or 6) + 1, int(step))
            parts.extend(_DAY_NAMES[day] for day in days)  # steps count in cron's order
            continue
        names = [_DAY_NAMES[int(x)] if x.isdigit() else x for x in span.split("-")]
        parts.append("-".join(names) + (f"/{step}" if step else ""))
    return ",".join(parts)


def trigger_for(spec: ProjectSpec, kind: DigestKind) -> CronTrigger:
    cron = spec.digest.cron if kind == "daily" else spec.digest.weekly_cron
    minute, hour, day, month, days = cron.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_days(days),
        timezone=ZoneInfo(spec.digest.timezone),
    )


PERIOD_FORMAT = "%Y-%m-%dT%H:%M"

#: How far back `current_period` looks for the latest fire time, widening step by step so a
#: frequent schedule is searched over a short window and a rare one still found.
LOOKBACKS = tuple(timedelta(days=d) for d in (1 / 24, 1, 8, 32, 367))


def _latest_fire(trigger: CronTrigger, moment: datetime, since: datetime) -> datetime | None:
    latest = None
    fire = trigger.get_next_fire_time(None, since)
    while fire is not None and fire <= moment:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def scheduled_period(trigger: CronTrigger, now: datetime) -> str:
    """The fire time this run belongs to (the latest at or before `now`, within the grace
    period), as local `YYYY-MM-DDTHH:MM`: late or coalesced runs share their period."""
    moment = now.astimezone(trigger.timezone)
    since = moment - timedelta(seconds=MISFIRE_GRACE_SECONDS)
    return (_latest_fire(trigger, moment, since) or moment).strftime(PERIOD_FORMAT)


def current_period(spec: ProjectSpec, kind: DigestKind, now: datetime) -> str:
    """The period of the latest scheduled run at or before `now`, however long ago: a digest
    posted by hand (`python -m bot digest`) belongs to it, so the scheduler never posts that
    period again and a second hand-posted digest needs `--force`."""
    trigger = trigger_for(spec, kind)
    moment = now.astimezone(trigger.timezone)
    for lookback in LOOKBACKS:
        latest = _latest_fire(trigger, moment, moment - lookback)
        if latest is not None:
            return latest.strftime(PERIOD_FORMAT)
    return moment.strftime(PERIOD_FORMAT)


class DigestJobs:
    """What a scheduled job runs: everything it needs is bound here, the job passes ids."""

    def __init__(
        self,
        sessions: SessionFactory,
        client: WebClient,
        directory: Directory,
        specs: dict[str, ProjectSpec],
        *,
        clock: Callable[[], datetime] = utcnow,
        may_run: Callable[[], bool] = lambda: True,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.directory = directory
        self.specs = specs
        self.clock = clock
        self.may_run = may_run

    def run(self, slug: str, kind: DigestKind) -> bool:
        """One scheduled digest; True when it posted. Errors are logged, never raised into
        the scheduler thread."""
        if not self.may_run():
            log.debug("%s digest for %s: not the leader, skipped", kind, slug)
            return False
        now = self.clock()
        period = scheduled_period(trigger_for(self.specs[slug], kind), now)
        try:
            return post_digest(self.sessions, self.client, self.directory, slug, kind, period, now)
        except Exception as exc:
            log_failure(log, f"{kind} digest for {slug}, {period} failed", exc)
            return False


def register_jobs(scheduler: BackgroundScheduler, jobs: DigestJobs) -> list[str]:
    ids = []
    for slug, spec in sorted(jobs.specs.items()):
        for kind in ("daily", "weekly"):
            scheduler.add_job(
                jobs.run,
                trigger_for(spec, kind),
                args=[slug, kind],
                id=job_id(slug, kind),
                name=f"{kind} digest for {slug}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=MISFIRE_GRACE_SECONDS,
            )
            ids.append(job_id(slug, kind))
    return ids


def project_specs(session_factory: SessionFactory) -> dict[str, ProjectSpec]:
    """Every project the bot serves: the ones synced into the database (by `run` from
    PROJECTS_DIR, or by `projects sync`). A project whose stored spec no longer validates gets
    no digest jobs (logged) rather than stopping the scheduler for every project."""
    specs: dict[str, ProjectSpec] = {}
    with read_only(session_factory) as session:
        for project in session.scalars(select(Project).order_by(Project.slug)):
            if has_valid_spec(project):
                specs[project.slug] = project_spec(project)
            else:
                log.error(
                    "no digest jobs for %s: its stored spec no longer validates", project.slug
                )
    return specs


class UpkeepJobs:
    """Every minute: post reviews still lacking a post (opened by imports or when a post
    failed), refit the weighted-consensus models whose answers grew, and train the project
    models whose labels grew. Every hour: forget
    Slack event ids older than a day."""

    def __init__(self, services: Services, may_run: Callable[[], bool]) -> None:
        self.services = services
        self.may_run = may_run
        self.trainer = ModelTrainer(services)

    def publish_reviews(self) -> int:
        if not self.may_run():
            return 0
        try:
            return publish_pending_reviews(self.services, self.services.client)
        except Exception as exc:
            log_failure(log, "publishing pending reviews failed", exc)
            return 0

    def refit_models(self) -> int:
        if not self.may_run():
            return 0
        try:
            return refit_models(self.services, self.services.client)
        except Exception as exc:
            log_failure(log, "refitting consensus models failed", exc)
            return 0

    def train_models(self) -> int:
        """Projects with `model:` whose labels grew by `retrain_every` (docs/model.md)."""
        if not self.may_run():
            return 0
        try:
            return self.trainer.run()
        except Exception as exc:
            log_failure(log, "training project models failed", exc)
            return 0

    def forget_events(self) -> int:
        if not self.may_run():
            return 0
        before = self.services.clock() - timedelta(days=1)
        with unit_of_work(self.services.sessions) as session:
            return forget_processed_events(session, before=before)


def register_upkeep(scheduler: BackgroundScheduler, upkeep: UpkeepJobs) -> None:
    common = {
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": MISFIRE_GRACE_SECONDS,
    }
    scheduler.add_job(
        upkeep.publish_reviews,
        IntervalTrigger(minutes=1),
        id="upkeep:publish_reviews",
        name="post pending reviews",
        **common,
    )
    scheduler.add_job(
        upkeep.refit_models,
        IntervalTrigger(minutes=1),
        id="upkeep:refit_models",
        name="refit weighted-consensus models",
        **common,
    )
    scheduler.add_job(
        upkeep.train_models,
        IntervalTrigger(minutes=1),
        id="upkeep:train_models",
        name="train project models",
        **common,
    )
    scheduler.add_job(
        upkeep.forget_events,
        IntervalTrigger(hours=1),
        id="upkeep:forget_events",
        name="forget old event ids",
        **common,
    )


def start_scheduler(
    settings: Settings,
    session_factory: SessionFactory,
    client: WebClient,
    *,
    clock: Callable[[], datetime] = utcnow,
    may_run: Callable[[], bool] = lambda: True,
    paused: bool = False,
) -> BackgroundScheduler:
    """Start the scheduler: a daily and a weekly digest per project, and the upkeep jobs."""
    directory = SlackDirectory(client)
    jobs = DigestJobs(
        session_factory,
        client,
        directory,
        project_specs(session_factory),
        clock=clock,
        may_run=may_run,
    )
    # Named threads, so a stop can say which job it did not wait for (bot.runtime.shutdown).
    pool = ThreadPoolExecutor(10, pool_kwargs={"thread_name_prefix": JOB_THREAD_PREFIX})
    scheduler = BackgroundScheduler(timezone=ZoneInfo("UTC"), executors={"default": pool})
    ids = register_jobs(scheduler, jobs)
    services = Services(
        settings=settings, sessions=session_factory, client=client, directory=directory, clock=clock
    )
    register_upkeep(scheduler, UpkeepJobs(services, may_run))
    scheduler.start(paused=paused)
    digests = ", ".join(ids) or "none"
    log.info("scheduler started: %d digest job(s) (%s) and the upkeep jobs", len(ids), digests)
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler | None) -> None:
    """Stop without waiting for a digest in progress (its claim keeps it from re-posting)."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")


def forget_connections_after_fork(dispose: Callable[[], None]) -> None:
    """Forked gunicorn workers must not reuse the arbiter's pooled database connections."""
    os.register_at_fork(after_in_child=dispose)
