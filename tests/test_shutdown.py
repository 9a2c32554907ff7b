"""A stop (SIGTERM) waits a few seconds for the scheduler's running jobs, then leaves without
them: a model's training must not hold `docker stop` or a deploy past its own kill."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from threading import Event

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime.shutdown import leave_unfinished_jobs
from bot.scheduling.scheduler import stop_scheduler
from tests.harness import BotHarness, eventually
from tests.test_scheduler import project_files, scheduler_for


def _run_now(scheduler: BackgroundScheduler, fn: Callable[[], None], started: Event) -> None:
    """Run `fn` once, now, and return once it runs and the scheduler has let go of the job
    (stopped earlier, the scheduler's own loop fails to remove it)."""
    scheduler.add_job(fn, id="long-job")
    scheduler.resume()
    assert started.wait(10)
    assert eventually(lambda: scheduler.get_job("long-job") is None)


def test_a_stop_leaves_a_job_that_outlasts_the_grace_and_says_so(
    bot: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started, release = threading.Event(), threading.Event()

    def training() -> None:
        started.set()
        release.wait(30)

    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment"]))
    exits: list[int] = []
    try:
        _run_now(scheduler, training, started)
        stop_scheduler(scheduler)
        with caplog.at_level(logging.WARNING, logger="bot.runtime.shutdown"):
            leave_unfinished_jobs(0.2, exit_now=exits.append)
    finally:
        release.set()
    assert exits == [0]
    assert "stopping without waiting for 1 running job thread(s) (scheduled-job" in caplog.text


def test_a_stop_waits_for_a_job_that_ends_within_the_grace(bot: BotHarness, tmp_path: Path) -> None:
    started, finished = threading.Event(), threading.Event()

    def digest() -> None:
        started.set()
        finished.wait(0.3)
        finished.set()

    scheduler = scheduler_for(bot, project_files(tmp_path, ["sentiment"]))
    _run_now(scheduler, digest, started)
    stop_scheduler(scheduler)
    exits: list[int] = []
    leave_unfinished_jobs(10, exit_now=exits.append)
    assert exits == [] and finished.is_set()
