"""The digest scheduler: one job per project and kind, coalesced runs, no double post after
a restart, and the `may_run` hook a leader election plugs into."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.runtime.config import Settings
from bot.runtime.log_setup import CHATTY, quiet_libraries
from bot.scheduling.scheduler import (
    MISFIRE_GRACE_SECONDS,
    scheduled_period,
    start_scheduler,
    trigger_for,
)
from bot.slack.app import sync_projects
from tests.factories import make_spec, project_spec_dict
from tests.harness import BotHarness, eventually
from tests.test_stats_cli import DIGEST_CHANNEL, LEAD, REVIEW_CHANNEL, build_dataset

# Monday 5 January 2026, 09:03 in Paris (08:03 UTC): three minutes after the 09:00 digest.
LATE_MONDAY = datetime(2026, 1, 5, 8, 3, tzinfo=UTC)
DIGEST = {"cron": "0 9 * * 1-5", "weekly_cron": "0 9 * * 1", "timezone": "Europe/Paris"}


def project_files(folder: Path, slugs: list[str]) -> Path:
    for slug in slugs:
        spec = project_spec_dict(
            slug,
            digest=DIGEST,
            slack={
                "leads": [LEAD],
                "digest_channel": DIGEST_CHANNEL,
                "review_channel": REVIEW_CHANNEL,
            },
        )
        (folder / f"{slug}.yml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder


def scheduler_for(bot: BotHarness, folder: Path, **kwargs: object) -> BackgroundScheduler:
    settings = Settings(database_url="sqlite://", projects_dir=folder)
    sync_projects(settings, bot.sessions)  # the scheduler serves the projects in the database
    client: WebClient = bot.services.client
    return start_scheduler(
        settings,
        bot.sessions,
        client,
        clock=lambda: LATE_MONDAY,
        paused=True,
        **kwargs,  # type: ignore[arg-type]
    )


def run_job(scheduler: BackgroundScheduler, job_id: str) -> object:
    job = scheduler.get_job(job_id)
    return job.func(*job.args)


def test_each_project_gets_one_daily_and_one_weekly_job_in_its_time_zone(
    bot: BotHarness, tmp_path: Path
) -> None:
    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment", "topics"]))
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            "digest:sentiment:daily",
            "digest:sentiment:weekly",
            "digest:topics:daily",
            "digest:topics:weekly",
            "upkeep:publish_reviews",
            "upkeep:refit_models",
            "upkeep:train_models",
            "upkeep:forget_events",
        }
        daily = jobs["digest:sentiment:daily"]
        assert daily.coalesce is True and daily.max_instances == 1
        assert daily.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert daily.trigger.timezone == ZoneInfo("Europe/Paris")
        assert daily.args == ("sentiment", "daily")
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.parametrize(
    ("cron_days", "fires_on"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0", ["Sun"]),
        ("3-6", ["Wed", "Thu", "Fri", "Sat"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("mon,wed", ["Mon", "Wed"]),
        ("*", ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
    ],
)
def test_cron_days_of_week_mean_what_they_mean_in_crontab(
    cron_days: str, fires_on: list[str]
) -> None:
    spec = make_spec(digest={**DIGEST, "cron": f"0 9 * * {cron_days}"})
    trigger = trigger_for(spec, "daily")
    moment = datetime(2026, 1, 3, 12, tzinfo=ZoneInfo("Europe/Paris"))  # a Saturday noon
    days = set()
    for _ in range(7):
        moment = trigger.get_next_fire_time(None, moment + timedelta(minutes=1))
        days.add(moment.strftime("%a"))
    assert days == set(fires_on)


def test_a_run_belongs_to_its_scheduled_fire_time_even_when_late() -> None:
    trigger = trigger_for(make_spec(digest=DIGEST), "daily")
    assert scheduled_period(trigger, LATE_MONDAY) == "2026-01-05T09:00"
    weekly = trigger_for(make_spec(digest=DIGEST), "weekly")
    assert scheduled_period(weekly, LATE_MONDAY) == "2026-01-05T09:00"


def test_a_missed_run_run_twice_posts_once_and_a_restart_does_not_post_again(
    bot: BotHarness, tmp_path: Path
) -> None:
    with bot.session() as session:
        build_dataset(session)
    folder = project_files(tmp_path, ["sentiment"])
    first = scheduler_for(bot, folder)
    try:
        assert run_job(first, "digest:sentiment:daily") is True
        assert run_job(first, "digest:sentiment:daily") is False
    finally:
        first.shutdown(wait=False)
    restarted = scheduler_for(bot, folder)
    try:
        assert run_job(restarted, "digest:sentiment:daily") is False
        assert run_job(restarted, "digest:sentiment:weekly") is True
    finally:
        restarted.shutdown(wait=False)

    channels = [call["channel"] for call in bot.fake.calls_to("chat.postMessage")]
    public = [channel for channel in channels if not channel.startswith("D")]  # not lead DMs
    assert sorted(public) == sorted([DIGEST_CHANNEL, REVIEW_CHANNEL])  # one daily, one weekly
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1


def test_a_process_that_is_not_the_leader_posts_nothing(bot: BotHarness, tmp_path: Path) -> None:
    with bot.session() as session:
        build_dataset(session)
    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment"]), may_run=lambda: False)
    try:
        assert run_job(scheduler, "digest:sentiment:daily") is False
    finally:
        scheduler.shutdown(wait=False)
    bot.fake.assert_not_called("chat.postMessage", within=0.2)


def test_a_failing_digest_is_logged_not_raised_into_the_scheduler(
    bot: BotHarness, tmp_path: Path
) -> None:
    with bot.session() as session:
        build_dataset(session)
    bot.fake.fail_next("chat.postMessage", error="not_in_channel")
    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment"]))
    try:
        assert run_job(scheduler, "digest:sentiment:daily") is False
        assert run_job(scheduler, "digest:sentiment:daily") is True  # the failed claim is retried
    finally:
        scheduler.shutdown(wait=False)


@pytest.fixture
def production_logging() -> Iterator[None]:
    """Library loggers as `python -m bot run` sets them at LOG_LEVEL=INFO, restored after."""
    quiet_libraries("INFO")
    yield
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.usefixtures("production_logging")
def test_a_process_that_is_not_the_leader_logs_nothing_as_its_jobs_come_round(
    bot: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment"]), may_run=lambda: False)
    done: list[str] = []
    scheduler.add_listener(lambda event: done.append(event.job_id), EVENT_JOB_EXECUTED)
    jobs = scheduler.get_jobs()
    try:
        with caplog.at_level(logging.INFO):
            for job in jobs:
                job.modify(next_run_time=datetime.now(UTC))
            scheduler.resume()
            assert eventually(lambda: len(done) == len(jobs)), done
    finally:
        scheduler.shutdown(wait=True)

    assert sorted(done) == sorted(job.id for job in jobs) and len(jobs) == 6
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
