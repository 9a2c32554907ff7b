"""`python -m bot run` in Socket Mode, end to end: the real process, a fake Slack Web API and a
fake Socket Mode WebSocket (tests/fake_socket_mode.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack
from tests.fake_socket_mode import (
    FakeSocketMode,
    SocketConnection,
    events_api_envelope,
    slash_command_envelope,
)
from tests.harness import BOT_TOKEN, eventually
from tests.slack_requests import SlackPayloads

REPO = Path(__file__).resolve().parents[1]
APP_TOKEN = "xapp-1-A0LABELER-1234567890-socketmodetestvalue"
ANNOTATOR = "U0ANNOT001"
START_UP_SECONDS = 40  # imports, project sync and auth.test on a busy machine


@dataclass
class SocketModeBot:
    fake: FakeSlack
    socket: FakeSocketMode
    payloads: SlackPayloads
    proc: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def connected(self) -> SocketConnection:
        """The first WebSocket, failing at once (with the log) if the bot exits instead."""

        def check() -> SocketConnection | None:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the bot exited with {self.proc.returncode}:\n{self.output()}"
                )
            connections = self.socket.connections
            return connections[0] if connections else None

        connection: SocketConnection | None = eventually(check, timeout=START_UP_SECONDS)
        assert connection is not None, (
            f"no Socket Mode connection within {START_UP_SECONDS}s; Web API calls: "
            f"{self.fake.methods()}; refused handshakes: {self.socket.refused}\n{self.output()}"
        )
        return connection


@contextmanager
def socket_mode_bot(
    database_url: str, workdir: Path, *, app_token: str = APP_TOKEN
) -> Iterator[SocketModeBot]:
    """`python -m bot run` as the README's quick start runs it: no `--http`, an app token.

    The fake accepts only APP_TOKEN; pass another `app_token` to start the bot with a bad one.
    """
    projects = workdir / "projects"
    projects.mkdir()
    shutil.copy(REPO / "examples" / "review_sentiment.yml", projects)
    shutil.copytree(REPO / "examples" / "guidelines", projects / "guidelines")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and not k.lower().endswith("_proxy")  # the builtin
        # Socket Mode client would tunnel through an HTTP(S)_PROXY and ignore NO_PROXY
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=app_token,
        DATABASE_URL=database_url,
        LOG_LEVEL="DEBUG",  # slack_sdk logs requests and Socket Mode messages at DEBUG
        PROJECTS_DIR=str(projects),
    )
    log_path = workdir / "bot.log"
    with FakeSlack() as fake, FakeSocketMode(fake, app_token=APP_TOKEN) as socket:
        env["SLACK_API_URL"] = fake.url
        with log_path.open("wb") as log:  # a file, so a chatty bot never blocks on a full pipe
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield SocketModeBot(fake, socket, SlackPayloads(fake), proc, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.mark.slow
def test_socket_mode_connects_with_the_app_token_and_answers_commands_and_events(
    database_url: str, tmp_path: Path
) -> None:
    with socket_mode_bot(database_url, tmp_path) as bot:
        connection = bot.connected()
        opened = bot.fake.calls_to("apps.connections.open")

        command = bot.socket.send(
            slash_command_envelope(bot.payloads.slash_command("help", ANNOTATOR).payload)
        )
        command_ack = bot.socket.wait_for_ack(command["envelope_id"])
        help_reply = bot.fake.wait_for("response_url")[0]

        event = bot.socket.send(
            events_api_envelope(bot.payloads.app_home_opened(ANNOTATOR).payload)
        )
        event_ack = bot.socket.wait_for_ack(event["envelope_id"])
        home = bot.fake.wait_for("views.publish")[0]

    output = bot.output()
    # 1. The WebSocket URL came from apps.connections.open, called once with the app token.
    assert len(opened) == 1 and opened[0].token == APP_TOKEN
    assert "token" not in opened[0].body  # in the Authorization header, as Slack requires
    assert opened[0].response is not None
    assert opened[0].response["url"].endswith(connection.path)
    # 2. The bot connected to that URL and got Slack's hello first.
    assert connection.sent[0]["type"] == "hello"
    assert '"type": "hello"' in output  # slack_sdk logged receiving it
    # 3. The slash command was acknowledged by envelope id; its answer went to response_url.
    assert command_ack == {"envelope_id": command["envelope_id"]}
    assert command["payload"]["response_url"].endswith(help_reply.path)
    assert "Labeling commands" in help_reply["text"]
    # 4. app_home_opened was acknowledged and published the Home tab.
    assert event_ack == {"envelope_id": event["envelope_id"]}
    assert home["user_id"] == ANNOTATOR and home["view"]["type"] == "home"
    # Nothing else was sent on the socket, and no secret reached the log.
    assert [m.get("envelope_id") for m in connection.received] == [
        command["envelope_id"],
        event["envelope_id"],
    ]
    assert "apps.connections.open" in output  # DEBUG logging did record the call...
    assert APP_TOKEN not in output and BOT_TOKEN not in output  # ...without the tokens


@pytest.mark.slow
def test_a_rejected_app_token_stops_socket_mode_with_a_clear_message(
    database_url: str, tmp_path: Path
) -> None:
    revoked = "xapp-1-A0LABELER-0-revokedtokenvalue"
    with socket_mode_bot(database_url, tmp_path, app_token=revoked) as bot:
        code = bot.proc.wait(timeout=START_UP_SECONDS)

    output = bot.output()
    assert code == 2, output
    assert "Slack rejected the app token (apps.connections.open: invalid_auth)" in output
    assert "Traceback" not in output and revoked not in output
    assert bot.socket.connections == []


@pytest.mark.slow
def test_sigterm_stops_socket_mode_cleanly(database_url: str, tmp_path: Path) -> None:
    """`docker stop` or systemd send SIGTERM: the scheduler is stopped, the socket closed, and
    the process exits 0 instead of being killed mid-way."""
    with socket_mode_bot(database_url, tmp_path) as bot:
        bot.connected()
        bot.proc.terminate()
        code = bot.proc.wait(timeout=15)
    output = bot.output()
    assert code == 0, output
    assert "scheduler stopped" in output
    assert "Socket Mode connection closed" in output
    assert "Traceback" not in output
