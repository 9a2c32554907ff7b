"""`python -m bot run`: start-up checks, the real gunicorn HTTP server, and secret-free logs."""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.runtime.config import Settings
from bot.runtime.log_setup import SecretFilter
from bot.slack.app import check_identity, create_app
from bot.slack.gate import MAX_BODY_BYTES
from storage import migrate
from storage.db import make_engine, make_session_factory
from tests.fake_slack import DEFAULT_SCOPES, FakeSlack
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.processes import free_port, wait_healthy
from tests.slack_requests import SignedClient, SlackPayloads

REPO = Path(__file__).resolve().parents[1]


def test_start_up_logs_the_bot_identity_and_warns_about_missing_scopes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scopes = [s for s in DEFAULT_SCOPES if s != "files:write"]
    with FakeSlack(scopes=scopes) as fake, caplog.at_level(logging.INFO):
        identity = check_identity(WebClient(token=BOT_TOKEN, base_url=fake.url))

    assert identity.bot_user_id == fake.bot_user_id
    assert identity.missing_scopes == frozenset({"files:write"})
    assert "lacks scopes files:write" in caplog.text


def test_giving_bolt_the_bots_own_client_logs_no_warning_about_the_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Deployments set SLACK_BOT_TOKEN, which Bolt reads itself and then warns, at every start,
    that it goes unused beside the client it was given."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    settings = Settings(
        slack_bot_token=BOT_TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        database_url="sqlite://",
    )

    with caplog.at_level(logging.INFO):
        create_app(settings, make_session_factory(make_engine("sqlite://")))

    assert "will be unused" not in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_rejected_token_stops_start_up_with_a_clear_message() -> None:
    with FakeSlack() as fake:
        fake.fail_next("auth.test", error="invalid_auth")
        with pytest.raises(RuntimeError, match="invalid_auth"):
            check_identity(WebClient(token=BOT_TOKEN, base_url=fake.url))


def test_tokens_and_secrets_are_masked_in_every_log_record() -> None:
    secret_filter = SecretFilter([SIGNING_SECRET])
    record = logging.LogRecord(
        "x", logging.INFO, "f", 1, "token %s secret %s", ("xoxb-1-2-abc", SIGNING_SECRET), None
    )

    secret_filter.filter(record)

    assert "xoxb-" not in record.getMessage() and SIGNING_SECRET not in record.getMessage()


def test_run_without_slack_tokens_names_the_variables_and_the_manifest(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.db"
    migrate.upgrade(env["DATABASE_URL"])

    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--http"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr and "manifest.yml" in done.stderr


@pytest.mark.slow
def test_the_http_server_serves_slack_and_health_checks_with_gunicorn(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    projects.mkdir()
    shutil.copy(REPO / "examples" / "review_sentiment.yml", projects)
    shutil.copytree(REPO / "examples" / "guidelines", projects / "guidelines")
    database = f"sqlite:///{tmp_path}/bot.db"
    migrate.upgrade(database)
    port = free_port()
    with FakeSlack() as fake:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": database,
            "LOG_LEVEL": "DEBUG",  # slack_sdk logs request headers at DEBUG
            "PROJECTS_DIR": str(projects),
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "run",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            health = wait_healthy(port, proc)
            slack = SignedClient(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
            payloads = SlackPayloads(fake)
            ok = slack.send(payloads.slash_command("help", "U0ANNOT001"))
            forged = slack.send(payloads.slash_command("help", "U0ANNOT001"), bad_signature=True)
            reply = fake.wait_for("response_url")[0]
            oversized = _post_chunked(port, b"x" * (MAX_BODY_BYTES + 10))
            replayed = slack.replay()
        finally:
            proc.terminate()
            output = proc.communicate(timeout=30)[0]

    assert health == b"ok\n"
    assert ok.status == 200 and forged.status == 401
    assert oversized == 413 and replayed.status == 401
    assert "Labeling commands" in reply["text"]
    assert "connected as labeler" in output
    assert f"listening on http://127.0.0.1:{port}: Slack's requests at /slack/events" in output
    assert "token` will be unused" not in output, "the client is given on purpose"
    assert output.count("scheduler stopped") == 1, "the worker leaving does not stop it again"
    assert "auth.test" in output  # DEBUG logging did record the Web API calls...
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output  # ...without the secrets


def _post_chunked(port: int, body: bytes) -> int:
    """A body sent with `Transfer-Encoding: chunked`, so no Content-Length announces its size."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        connection.request("POST", "/slack/events", body=chunks, encode_chunked=True)
        return connection.getresponse().status
    finally:
        connection.close()
