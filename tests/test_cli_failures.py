"""Operational failures on the command line: one line on stderr, the documented exit code
(README, "Command line"), no traceback. Run as a person would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import SessionFactory, unit_of_work
from storage.models import AuditEvent
from tests.factories import add_items, create_project, make_spec
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.processes import free_port

UNAVAILABLE, CONFIG, CANNOT_WRITE = 3, 2, 4


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env |= {"PROJECTS_DIR": str(tmp_path / "no-projects"), "LOG_LEVEL": "WARNING"}
    return env | variables


def cli(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def the_one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


@pytest.fixture
def project(session_factory: SessionFactory) -> str:
    with unit_of_work(session_factory) as session:
        created = create_project(session, make_spec())
        add_items(session, created, ["one", "two"])
    return created.slug


@pytest.fixture
def big_project(session_factory: SessionFactory) -> str:
    """A project whose export takes two writes (batches of 2,000 items): a reader that closes
    the pipe during the first makes the second fail."""
    with unit_of_work(session_factory) as session:
        created = create_project(session, make_spec())
        add_items(session, created, [f"item {n}: " + "words " * 20 for n in range(2500)])
    return created.slug


def test_a_sqlite_database_that_cannot_be_created_fails_in_one_line(tmp_path: Path) -> None:
    done = cli(tmp_path, "db", "upgrade", DATABASE_URL="sqlite:////nonexistent/dir/x.db")

    assert done.returncode == UNAVAILABLE
    assert the_one_line(done) == (
        "Error: the database sqlite:////nonexistent/dir/x.db cannot be reached or written: "
        "unable to open database file"
    )


def test_an_unreachable_postgresql_fails_any_command_in_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql+psycopg://labeler:pw-secret-42@127.0.0.1:{free_port()}/labels"

    for command in (["stats", "sentiment"], ["projects", "sync"]):
        done = cli(tmp_path, *command, DATABASE_URL=url)

        assert done.returncode == UNAVAILABLE, command
        line = the_one_line(done)
        assert "cannot be reached or written" in line and "Connection refused" in line
        assert "pw-secret-42" not in done.stderr


@pytest.mark.parametrize(
    ("slack", "mode"),
    [("down", ["--http"]), ("down", []), ("behind a network without DNS", ["--http"])],
)
def test_run_without_a_reachable_slack_fails_in_one_line(
    tmp_path: Path, database_url: str, slack: str, mode: list[str]
) -> None:
    api_url = (
        f"http://127.0.0.1:{free_port()}/api/"
        if slack == "down"
        else "https://labeler-test.invalid/api/"
    )

    done = cli(
        tmp_path,
        "run",
        *mode,
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="xapp-1-A0-1-abc",
        SLACK_API_URL=api_url,
    )

    assert done.returncode == UNAVAILABLE
    line = the_one_line(done)
    assert line.startswith(f"Error: Slack could not be reached at {api_url} (auth.test: ")
    if slack == "down":
        assert "Connection refused" in line


def test_run_over_http_refuses_an_empty_signing_secret(tmp_path: Path, database_url: str) -> None:
    done = cli(
        tmp_path,
        "run",
        "--http",
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=" ",
    )

    assert done.returncode == CONFIG
    assert the_one_line(done).startswith("Error: SLACK_SIGNING_SECRET not set (or empty).")


def test_posting_a_digest_without_a_reachable_slack_fails_in_one_line(
    tmp_path: Path, database_url: str, project: str
) -> None:
    done = cli(
        tmp_path,
        "digest",
        project,
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
    )

    assert done.returncode == UNAVAILABLE
    assert "Slack could not be reached" in the_one_line(done)


@pytest.mark.parametrize("where", ["missing-dir/labels.jsonl", "a-file/labels.jsonl"])
def test_an_export_to_a_path_that_cannot_be_written_names_that_path(
    tmp_path: Path, database_url: str, project: str, where: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a-file").write_text("not a directory")
    output = out / where

    done = cli(tmp_path, "export", project, "-o", str(output), DATABASE_URL=database_url)

    assert done.returncode == CANNOT_WRITE
    line = the_one_line(done)
    assert line.startswith(f"Error: cannot write {output}: ")
    assert f".{output.name}." not in done.stderr  # not the temporary file's name
    assert [p.name for p in out.iterdir()] == ["a-file"]


@pytest.mark.parametrize("lines_read", [1, 0])
def test_an_export_whose_reader_stops_early_exits_0_quietly(
    tmp_path: Path, database_url: str, big_project: str, lines_read: int
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "export", big_project],
        cwd=tmp_path,
        env=environment(tmp_path, DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = [proc.stdout.readline() for _ in range(lines_read)]
    proc.stdout.close()  # what `| head -1` does once it has its line

    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, stderr
    assert stderr == "" and all(line.startswith(b'{"external_id"') for line in head)


def test_a_purge_naming_nobody_exits_1_in_one_line_and_audits_nothing(
    tmp_path: Path, database_url: str, project: str, session_factory: SessionFactory
) -> None:
    done = cli(
        tmp_path, "purge", project, "--annotator", "UNOBODY", "--yes", DATABASE_URL=database_url
    )

    assert done.returncode == 1
    assert "holds no data of annotator UNOBODY" in the_one_line(done)
    with unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 0
