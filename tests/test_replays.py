"""A signed request replayed byte for byte is refused whichever process it reaches, because
every admitted signature is claimed in a store all processes share (the PostgreSQL database, or
a file beside the SQLite one); each process prunes claims past the window."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.slack.replay_guard import KEEP_SIGNATURES, ReplayGuard
from storage.db import make_engine, make_session_factory
from storage.models import SeenRequest, utcnow
from storage.replays import CLAIM_WAIT_SECONDS, make_claims_engine
from tests.harness import BotHarness, running_bot
from tests.processes import free_port
from tests.slack_requests import SlackResponse

USER = "U0ANNOT001"


def test_a_request_replayed_to_another_process_is_refused(bot: BotHarness, engine: Engine) -> None:
    # Another process: its own engine and app, sharing nothing with the first but the database.
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with running_bot(other_engine, make_session_factory(other_engine)) as other:
            assert bot.command("help", USER).status == 200

            assert bot.slack.replay(url=other.url).status == 401
            assert bot.slack.replay().status == 401
    finally:
        other_engine.dispose()
    assert len(bot.fake.wait_for("response_url")) == 1


def test_of_two_copies_arriving_at_once_at_two_processes_exactly_one_is_admitted(
    bot: BotHarness, engine: Engine
) -> None:
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    request = bot.payloads.slash_command("help", USER)
    headers = bot.slack.headers_for(request)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def send(url: str) -> None:
        start.wait()
        response: SlackResponse = bot.slack.post_raw(request.body.encode(), headers, url=url)
        statuses.append(response.status)

    try:
        with running_bot(other_engine, make_session_factory(other_engine)) as other:
            threads = [threading.Thread(target=send, args=(url,)) for url in (bot.url, other.url)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
    finally:
        other_engine.dispose()
    assert sorted(statuses) == [200, 401]


def test_claims_past_their_window_are_pruned_and_recent_ones_kept(engine: Engine) -> None:
    claims = make_claims_engine(engine.url.render_as_string(hide_password=False))
    now = utcnow()
    try:
        for signature, age in (("v0=old", KEEP_SIGNATURES * 1.1), ("v0=recent", timedelta(0))):
            assert ReplayGuard(claims, clock=lambda age=age: now - age).first_time(signature)

        assert ReplayGuard(claims, clock=lambda: now).first_time("v0=new") is True

        with claims.connect() as connection:
            kept = connection.execute(select(SeenRequest.signature)).scalars().all()
    finally:
        claims.dispose()
    assert sorted(kept) == ["v0=new", "v0=recent"]


def test_without_a_database_to_claim_in_a_request_goes_through_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = make_claims_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    try:
        guard = ReplayGuard(unreachable)

        assert guard.first_time("v0=" + "1" * 64) is True
    finally:
        unreachable.dispose()
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.getMessage().startswith(
        "replay check skipped: the database is unavailable (connection failed:"
    )


def test_a_claim_waits_for_a_locked_sqlite_file_only_briefly_then_lets_the_request_by(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    claims = make_claims_engine(f"sqlite:///{tmp_path}/labeler.db")
    guard = ReplayGuard(claims)
    assert guard.first_time("v0=" + "1" * 64)  # and pruned: the next claim is only a claim
    holder = sqlite3.connect(f"{tmp_path}/labeler.db-requests", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        started = time.monotonic()

        admitted = guard.first_time("v0=" + "2" * 64)

        waited = time.monotonic() - started
    finally:
        holder.close()
        claims.dispose()
    assert admitted is True
    assert CLAIM_WAIT_SECONDS <= waited < 5  # not SQLite's default wait of 10 s
    assert "replay check skipped: the database is unavailable" in caplog.text
