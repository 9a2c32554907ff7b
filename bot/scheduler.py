"""The digest scheduler: APScheduler's BackgroundScheduler, started once per deployment by
`python -m bot run` (in gunicorn's arbiter, never in its workers).

Jobs are rebuilt from the project files at every start (ids `digest:<slug>:<kind>`,
`replace_existing=True`), so an in-memory job store survives restarts by construction. Each
run claims its period in the database before posting (`bot.digest_post`), so restarts,
coalesced misfires or a second process never post twice; `may_run` is the hook where a
leader check (e.g. a PostgreSQL advisory lock) slots in.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient

from bot.config import Settings
from bot.digest import DigestKind
from bot.digest_post import post_digest
from bot.domain.access import Directory
from bot.projects.loader import load_projects
from bot.projects.spec import ProjectSpec
from bot.services import SlackDirectory
from storage.db import SessionFactory
from storage.models import utcnow

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


def scheduled_period(trigger: CronTrigger, now: datetime) -> str:
    """The fire time this run belongs to (the latest at or before `now`, within the grace
    period), as local `YYYY-MM-DDTHH:MM`: late or coalesced runs share their period."""
    moment = now.astimezone(trigger.timezone)
    latest = None
    fire = trigger.get_next_fire_time(None, moment - timedelta(seconds=MISFIRE_GRACE_SECONDS))
    while fire is not None and fire <= moment:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return (latest or moment).strftime("%Y-%m-%dT%H:%M")


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
            log.info("%s digest for %s: not the leader, skipped", kind, slug)
            return False
        now = self.clock()
        period = scheduled_period(trigger_for(self.specs[slug], kind), now)
        try:
            return post_digest(self.sessions, self.client, self.directory, slug, kind, period, now)
        except Exception:
            log.exception("%s digest for %s, %s failed", kind, slug, period)
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


def project_specs(settings: Settings) -> dict[str, ProjectSpec]:
    if not settings.projects_dir.exists():
        return {}
    return {loaded.spec.slug: loaded.spec for loaded in load_projects(settings.projects_dir)}


def start_scheduler(
    settings: Settings,
    session_factory: SessionFactory,
    client: WebClient,
    *,
    clock: Callable[[], datetime] = utcnow,
    may_run: Callable[[], bool] = lambda: True,
    paused: bool = False,
) -> BackgroundScheduler:
    """Start the scheduler with one daily and one weekly job per project file."""
    jobs = DigestJobs(
        session_factory,
        client,
        SlackDirectory(client),
        project_specs(settings),
        clock=clock,
        may_run=may_run,
    )
    scheduler = BackgroundScheduler(timezone=ZoneInfo("UTC"))
    ids = register_jobs(scheduler, jobs)
    scheduler.start(paused=paused)
    log.info("scheduler started with %d job(s): %s", len(ids), ", ".join(ids) or "none")
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler | None) -> None:
    """Stop without waiting for a digest in progress (its claim keeps it from re-posting)."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)


def forget_connections_after_fork(dispose: Callable[[], None]) -> None:
    """Forked gunicorn workers must not reuse the arbiter's pooled database connections."""
    os.register_at_fork(after_in_child=dispose)
