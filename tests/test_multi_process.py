"""Two real bot processes on one PostgreSQL database: clicks into both never overshoot an
item's overlap or hand anyone an item twice, and when the scheduler's leader is killed the
other process takes over, each digest period still posted exactly once.

Slow (it waits for two minute boundaries of a `* * * * *` digest schedule), so it runs in the
PostgreSQL pass of the suite (TEST_DATABASE_URL set), where CI runs it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.views.state import CardState
from storage import migrate
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.models import (
    Annotation,
    DigestRun,
    FinalMethod,
    GuidelineAck,
    Item,
    ItemStatus,
    LabelModel,
    Project,
)
from tests.factories import add_items, project_spec_dict
from tests.fake_slack import FakeSlack
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.processes import free_port, wait_healthy
from tests.slack_requests import SignedClient, SlackPayloads

DIGEST_CHANNEL = "C0DIGEST01"
LEAD = "U0LEAD0001"
USERS = [f"U0MULTI{n:03d}" for n in range(6)]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("postgres_advisory_lock"),  # one server-wide lock: never in parallel
    pytest.mark.skipif(
        not str(os.environ.get("TEST_DATABASE_URL", "")).startswith("postgresql"),
        reason="runs in the PostgreSQL pass (TEST_DATABASE_URL)",
    ),
]


@pytest.fixture
def scratch_database(postgres_url: str) -> Iterator[str]:
    """A database of its own: the bot processes commit for real, outside the test's control."""
    name = f"test_mp_{secrets.token_hex(4)}"
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _start(tmp: Path, env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = tmp / f"{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(port, proc)
    except AssertionError:
        raise AssertionError(log.read_text()) from None
    return proc, port, log


def _label(
    fake: FakeSlack, ports: list[int], project_id: int, lease_ids: dict[str, int], clicks: int
) -> int:
    """Each user clicks on the card they hold, alternating between the two processes, and
    follows the next card; returns how many answers the bot confirmed."""
    confirmed = 0
    lock = threading.Lock()

    def annotator(index: int, user: str) -> None:
        nonlocal confirmed
        payloads = SlackPayloads(fake)
        lease: int | None = lease_ids[user]
        for n in range(clicks):
            if lease is None:
                return
            client = SignedClient(
                f"http://127.0.0.1:{ports[(index + n) % 2]}/slack/events", SIGNING_SECRET
            )
            url = fake.response_url("actions")
            value = CardState(project_id=project_id, lease_id=lease, choice="positive").encode()
            assert (
                client.send(
                    payloads.block_action("answer:positive", value, user, response_url=url)
                ).status
                == 200
            )
            card = _card(fake, url)
            with lock:
                confirmed += "Recorded" in json.dumps(card)
            lease = _lease_on(card)

    threads = [threading.Thread(target=annotator, args=(i, u)) for i, u in enumerate(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return confirmed


def _card(fake: FakeSlack, url: str) -> Any:
    path = url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for call in fake.calls_to("response_url"):
            if call.path == "/" + path:
                return call.body
        time.sleep(0.02)
    raise AssertionError(f"no card at {url}")


def _lease_on(card: Any) -> int | None:
    for block in card.get("blocks", []):
        for element in block.get("elements", []):
            if str(element.get("action_id", "")).startswith("answer:"):
                return int(json.loads(element["value"])["l"])
    return None


def _wait_for_posted_digests(sessions: Any, count: int) -> None:
    deadline = time.monotonic() + 130
    while True:
        with unit_of_work(sessions) as session:
            posted = session.scalar(
                select(func.count(DigestRun.id)).where(DigestRun.status == "posted")
            )
        if (posted or 0) >= count:
            return
        assert time.monotonic() < deadline, f"only {posted} digest(s) posted"
        time.sleep(0.5)


def _leader(logs: list[Path]) -> int:
    deadline = time.monotonic() + 130
    while time.monotonic() < deadline:
        for index, log in enumerate(logs):
            if "now runs the scheduled jobs" in log.read_text():
                return index
        time.sleep(0.5)
    raise AssertionError("no process became the scheduler's leader")


def _wait_for_line(log: Path, line: str) -> None:
    deadline = time.monotonic() + 130
    while line not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)


def _decided_items(session: Any, slug: str, count: int) -> None:
    """`count` items of project `slug` decided by consensus, three labels in turn."""
    project = session.scalars(select(Project).where(Project.slug == slug)).one()
    words = {"positive": "great love", "negative": "broken awful", "neutral": "arrived box"}
    labels = list(words) * (count // 3)
    for n, label in enumerate(labels):
        session.add(
            Item(
                project_id=project.id,
                external_id=f"decided-{n}",
                data={"text": f"{words[label]} item {n}"},
                required_answers=1,
                answer_count=1,
                status=ItemStatus.COMPLETE,
                final_label=label,
                final_method=FinalMethod.CONSENSUS,
            )
        )
    session.flush()


def test_two_processes_share_the_queue_and_one_digest_per_period_survives_a_killed_leader(
    scratch_database: str, tmp_path: Path
) -> None:
    projects = tmp_path / "projects"
    projects.mkdir()
    spec = project_spec_dict(
        overlap=2,
        digest={"cron": "* * * * *", "weekly_cron": "0 9 * * 1", "timezone": "UTC"},
        slack={"leads": [LEAD], "digest_channel": DIGEST_CHANNEL},
    )
    (projects / "sentiment.yml").write_text(yaml.safe_dump(spec))
    # A project with its own model: only the scheduler's leader may train it.
    learning = project_spec_dict(
        "learning",
        slack={"leads": [LEAD]},
        model={"kind": "text-logreg", "field": "text", "min_labels": 30, "retrain_every": 1000},
    )
    (projects / "learning.yml").write_text(yaml.safe_dump(learning))
    sessions = make_session_factory(make_engine(scratch_database))

    with FakeSlack() as fake:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": scratch_database,
            "PROJECTS_DIR": str(projects),
            "LOG_LEVEL": "INFO",
        }
        procs = [_start(tmp_path, env, name) for name in ("a", "b")]
        try:
            with unit_of_work(sessions) as session:
                project = session.scalars(select(Project).where(Project.slug == "sentiment")).one()
                _decided_items(session, "learning", 45)
                ids = add_items(session, project, [f"review {n}" for n in range(20)])
                from datetime import timedelta

                from storage.models import Lease, LeaseStatus, utcnow

                leases = {}
                for index, user in enumerate(USERS):
                    session.add(GuidelineAck(project_id=project.id, user_id=user, version="v1"))
                    lease = Lease(
                        item_id=ids[index],
                        project_id=project.id,
                        annotator=user,
                        status=LeaseStatus.ACTIVE,
                        expires_at=utcnow() + timedelta(minutes=10),
                    )
                    session.add(lease)
                    session.flush()
                    leases[user] = lease.id
                project_id = project.id

            confirmed = _label(fake, [p[1] for p in procs], project_id, leases, clicks=8)

            leader = _leader([p[2] for p in procs])
            _wait_for_posted_digests(sessions, 1)  # kill it between runs, not mid-post
            # ... and after its training run: a run cut short leaves the model without its log
            # line, and a stop now waits only seconds for a running job (bot.runtime.shutdown).
            _wait_for_line(procs[leader][2], "model v1 trained")
            os.killpg(procs[leader][0].pid, signal.SIGKILL)
            procs[leader][0].wait(timeout=10)
            survivor = procs[1 - leader][2]
            deadline = time.monotonic() + 130
            while "now runs the scheduled jobs" not in survivor.read_text():
                assert time.monotonic() < deadline, survivor.read_text()
                time.sleep(0.5)
            _wait_for_posted_digests(sessions, 2)
        finally:
            for proc, _, log in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    try:  # gunicorn's graceful stop, then a running job's grace (shutdown.py)
                        proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        raise AssertionError(
                            f"no exit 30 s after SIGTERM:\n{log.read_text()}"
                        ) from None

        digests = [c for c in fake.calls_to("chat.postMessage") if c["channel"] == DIGEST_CHANNEL]

    with unit_of_work(sessions) as session:
        per_item = session.execute(
            select(Annotation.item_id, func.count())
            .where(Annotation.superseded_at.is_(None))
            .group_by(Annotation.item_id)
        ).all()
        required = dict(session.execute(select(Item.id, Item.required_answers)).all())
        twice = session.execute(
            select(Annotation.item_id, Annotation.annotator)
            .group_by(Annotation.item_id, Annotation.annotator)
            .having(func.count() > 1)
        ).all()
        stored = session.scalar(select(func.count(Annotation.id)))
        runs = session.execute(select(DigestRun.period, DigestRun.status)).all()
        trained = session.scalars(select(LabelModel.version)).all()
    training_logs = [p[2].read_text().count("model v1 trained") for p in procs]

    assert confirmed > 0 and stored == confirmed
    assert all(count <= required[item] for item, count in per_item)
    assert twice == []
    assert len(runs) == len({period for period, _ in runs}) >= 2
    assert {status for _, status in runs} == {"posted"}
    assert trained == [1], "one training run, by the leader of the moment"
    assert sorted(training_logs) == [0, 1]
    assert len(digests) == len(runs)
