"""SIGKILL in the middle of an import or of label clicks: after a restart the database is
consistent, re-running the import completes it, and every acknowledged answer is there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.views.state import CardState
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, GuidelineAck, Item, Lease, LeaseStatus, Project, utcnow
from tests.factories import add_items, create_project, make_spec
from tests.fake_slack import FakeSlack
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.processes import free_port, wait_healthy
from tests.slack_requests import SignedClient, SlackPayloads

pytestmark = pytest.mark.slow
ITEMS = 150_000


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **extra}


def _items(session_factory: SessionFactory) -> int:
    with unit_of_work(session_factory) as session:
        return session.scalar(select(func.count(Item.id))) or 0


def test_an_import_killed_midway_leaves_nothing_and_a_rerun_completes_it(
    database_url: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as session:
        create_project(session, make_spec())
    data = tmp_path / "items.jsonl"
    with data.open("w") as out:
        for n in range(ITEMS):
            out.write(json.dumps({"id": f"r{n}", "text": f"review number {n}"}) + "\n")
    command = [sys.executable, "-m", "bot", "import", "sentiment", str(data)]

    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=_env(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    assert proc.poll() is None, "the import finished before it could be killed; raise ITEMS"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert _items(session_factory) == 0  # all or nothing
    rerun = subprocess.run(
        command, cwd=tmp_path, env=_env(database_url), capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _items(session_factory) == ITEMS


def _serve(tmp_path: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
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
            "--no-scheduler",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_healthy(port, proc)
    return proc


def test_every_acknowledged_answer_survives_a_killed_bot(
    database_url: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    users = [f"U0CRASH{n:03d}" for n in range(40)]
    with unit_of_work(session_factory) as session:
        project = create_project(session, make_spec())
        ids = add_items(session, project, [f"item {n}" for n in range(len(users))])
        leases = []
        for user, item_id in zip(users, ids, strict=True):
            session.add(GuidelineAck(project_id=project.id, user_id=user, version="v1"))
            lease = Lease(
                item_id=item_id,
                project_id=project.id,
                annotator=user,
                status=LeaseStatus.ACTIVE,
                expires_at=utcnow().replace(year=2100),
            )
            session.add(lease)
            session.flush()
            leases.append((user, lease.id))
        project_id = project.id
    port = free_port()
    acknowledged: list[int] = []
    with FakeSlack() as fake:
        env = _env(
            database_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
            PROJECTS_DIR=str(tmp_path / "none"),
        )
        proc = _serve(tmp_path, env, port)
        client = SignedClient(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, timeout=5)
        payloads = SlackPayloads(fake)
        try:
            for index, (user, lease_id) in enumerate(leases):
                if index == len(leases) // 2:
                    os.killpg(proc.pid, signal.SIGKILL)  # mid-stream, as the power goes
                value = CardState(
                    project_id=project_id, lease_id=lease_id, choice="positive"
                ).encode()
                try:
                    response = client.send(payloads.block_action("answer:positive", value, user))
                except OSError:
                    continue
                if response.status == 200:
                    acknowledged.append(lease_id)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        restarted = _serve(tmp_path, env, port)
        os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(timeout=30)

    assert len(acknowledged) >= len(leases) // 2 - 1
    with unit_of_work(session_factory) as session:
        answered = set(
            session.scalars(
                select(Lease.id).join(
                    Annotation,
                    (Annotation.item_id == Lease.item_id)
                    & (Annotation.annotator == Lease.annotator),
                )
            )
        )
        assert set(acknowledged) <= answered
        assert session.scalar(select(func.count(Annotation.id))) == len(answered)
        assert session.scalars(select(Project.id)).all() == [project_id]
