"""Label-click load: signed `block_actions` clicks into the real HTTP server (gunicorn).

    .venv/bin/python bench/bench_labeling.py                     # SQLite, 1 and 2 processes
    .venv/bin/python bench/bench_labeling.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_labeling.py --items 20000 --clicks 400   # a quick run
    .venv/bin/python bench/bench_labeling.py --consensus dawid_skene      # weighted votes

Stores ITEMS items (overlap 5) with 3 answers each already recorded, starts
`python -m bot run --http` (gunicorn, 1 or 2 worker processes) against a fake Slack Web API
running in its own process, and has CLIENTS concurrent annotators label: each clicks an answer,
waits for the next card the bot sends through the click's response_url (as a person does) and
clicks on it; every 10th click is sent twice, like a double click. Reports click-to-ack latency
p50/p99 (the HTTP round trip: Bolt answers when the listener acks, after the answer is
stored), answers per second, and afterwards counts the answers in the database: every answer
the bot confirmed must be stored exactly once (`stored/expected`, `doubled`). `worker MB` is
the largest peak RSS (VmHWM from /proc) of the gunicorn worker processes, read at the end of
the run; `--json PATH` also writes every row to a file.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain.weighting import refit  # noqa: E402
from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, resolve_guidelines  # noqa: E402
from bot.projects.sync import sync_project  # noqa: E402
from bot.views.state import CardState  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, unit_of_work  # noqa: E402
from storage.models import (  # noqa: E402
    Annotation,
    GuidelineAck,
    Item,
    Lease,
    LeaseStatus,
    Project,
)

SECRET = "bench-signing-secret-0123456789"
TOKEN = "xoxb-bench-0000-token"
SPEC = {
    "slug": "bench",
    "title": "Bench sentiment",
    "guidelines": {"text": "## positive\nHappy.", "version": "v1"},
    "task": {
        "kind": "single_choice",
        "choices": [
            {"value": "positive", "text": "Positive"},
            {"value": "neutral", "text": "Neutral"},
            {"value": "negative", "text": "Negative"},
        ],
    },
    "display": {"fields": [{"key": "text"}]},
    "overlap": 5,
    "review": {"agreement_threshold": 0.0001},
    "slack": {"leads": ["U0LEAD0001"]},
}


def spec_for(consensus: str) -> ProjectSpec:
    """The bench project; with `dawid_skene`, weighted votes and adaptive overlap (5..6)."""
    extra = (
        {"consensus": {"method": "dawid_skene", "confidence": 0.99}, "max_overlap": 6}
        if consensus == "dawid_skene"
        else {}
    )
    return ProjectSpec.model_validate({**SPEC, **extra})


def seed(url: str, items: int, consensus: str = "majority") -> int:
    """Fresh schema, one project, `items` items with 3 stored answers each (and, for
    `dawid_skene`, the project's model fitted on them, as the scheduler would have)."""
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(url)
    sessions = make_session_factory(engine)
    spec = spec_for(consensus)
    with unit_of_work(sessions) as session:
        sync_project(session, LoadedProject(Path("b.yml"), spec, resolve_guidelines(spec, ROOT)))
        project_id = session.scalars(select(Project.id)).one()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, items, 10_000):
            ids = range(start + 1, min(items, start + 10_000) + 1)
            conn.execute(
                insert(Item),
                [
                    {
                        "id": i,
                        "project_id": project_id,
                        "external_id": f"e{i}",
                        "data": {"text": f"review number {i}: it was fine"},
                        "source": "bench",
                        "priority": 0,
                        "required_answers": 5,
                        "answer_count": 3,
                        "is_gold": False,
                        "status": "open",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(Annotation),
                [
                    {
                        "item_id": i,
                        "project_id": project_id,
                        "annotator": f"U0SEED{(i + k) % 30:04d}",
                        "value": "positive",
                        "unsure": False,
                        "guideline_version": "v1",
                        "seconds": 4.0,
                        "source": "import",
                        "created_at": now,
                    }
                    for i in ids
                    for k in range(3)
                ],
            )
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('items_id_seq', (SELECT max(id) FROM items))"))
            conn.execute(text("ANALYZE"))
    if consensus == "dawid_skene":
        with unit_of_work(sessions) as session:
            refit(session, project_id, spec, datetime.now(UTC))
    engine.dispose()
    return project_id


def first_leases(url: str, project_id: int, users: list[str], offset: int) -> list[int]:
    """Hand each annotator their first card (a lease), as `/label next` would; the server
    leases every later item itself after each click."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    leases = []
    with unit_of_work(make_session_factory(engine)) as session:
        for index, user in enumerate(users):
            lease = Lease(
                item_id=1 + offset + index,
                project_id=project_id,
                annotator=user,
                status=LeaseStatus.ACTIVE,
                shown_at=now,
                expires_at=now + timedelta(hours=1),
            )
            session.add(lease)
            session.add(GuidelineAck(project_id=project_id, user_id=user, version="v1"))
            session.flush()
            leases.append(lease.id)
    engine.dispose()
    return leases


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


FAKE_SLACK_SCRIPT = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from tests.fake_slack import FakeSlack\n"
    "cards = {}\n"
    "def card(call):\n"
    "    body = cards.get(call.body.get('path'))\n"
    "    return {'ok': body is not None, 'card': body}\n"
    "with FakeSlack() as fake:\n"
    "    fake.set_response('bench.card', card)\n"
    "    original = fake._record\n"
    "    def record(call):\n"
    "        if call.method == 'response_url':\n"
    "            cards[call.path] = call.body\n"
    "        else:\n"
    "            original(call)\n"
    "    fake._record = record\n"
    "    print(fake.base_url, flush=True)\n"
    "    time.sleep(3600)\n"
)


class FakeSlackProcess:
    """The fake Slack Web API in its own process, so its work does not skew client timings."""

    def __enter__(self) -> FakeSlackProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FAKE_SLACK_SCRIPT, str(ROOT)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        self.url = self.base_url + "api/"
        self._n = 0
        return self

    def response_url(self, kind: str) -> str:
        self._n += 1
        return f"{self.base_url}response/{kind}/T0BENCH/{self._n}/r{self._n:08d}"

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def click_body(user: str, project_id: int, lease_id: int, response_url: str) -> str:
    value = CardState(project_id=project_id, lease_id=lease_id, choice="neutral").encode()
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "team_id": "T0BENCH"},
        "api_app_id": "A0BENCH",
        "token": "x",
        "team": {"id": "T0BENCH", "domain": "bench"},
        "trigger_id": "1.2.3",
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": "D0BENCH",
            "is_ephemeral": False,
        },
        "channel": {"id": "D0BENCH", "name": "directmessage"},
        "response_url": response_url,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": "answer:neutral",
                "block_id": "answer",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": "Neutral"},
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def next_lease(
    fake: FakeSlackProcess, response_url: str, timeout: float = 15.0
) -> tuple[int | None, bool]:
    """Wait for the card the bot sent through `response_url`: the lease id its buttons carry,
    and whether it confirms the answer ("Recorded …") rather than a notice such as "got its
    answers from others meanwhile"."""
    path = urllib.parse.urlsplit(response_url).path
    conn = http.client.HTTPConnection(*urllib.parse.urlsplit(fake.base_url).netloc.split(":"))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            conn.request(
                "POST",
                "/api/bench.card",
                body=json.dumps({"path": path}),
                headers={"Content-Type": "application/json"},
            )
            answer = json.loads(conn.getresponse().read())
            if answer["ok"]:
                blocks = answer["card"].get("blocks", [])
                recorded = "Recorded" in json.dumps(blocks)
                for block in blocks:
                    for element in block.get("elements", []):
                        if str(element.get("action_id", "")).startswith("answer:"):
                            return int(json.loads(element["value"])["l"]), recorded
                return None, recorded  # the done card: nothing left
            time.sleep(0.005)
    finally:
        conn.close()
    raise SystemExit(f"no card arrived at {path}")


def deliver(conn: http.client.HTTPConnection, body: str) -> int:
    """POST one signed click; the HTTP status."""
    conn.request("POST", "/slack/events", body=body, headers=signed(body))
    response = conn.getresponse()
    response.read()
    return response.status


def run_clients(
    port: int,
    fake: FakeSlackProcess,
    project_id: int,
    users: list[str],
    leases: list[int],
    clicks: int,
    fresh_connections: bool,
) -> tuple[list[float], int, float, int]:
    """Each client clicks, then waits for its next card (as a person does) and clicks again;
    every 10th click is sent twice, like a double click. With `fresh_connections` every
    delivery opens its own connection, so gunicorn's workers share the load (a kept-alive
    connection stays with the worker that accepted it)."""
    latencies: list[float] = []
    failures = 0
    clicked = 0
    lock = threading.Lock()

    def client(user: str, lease_id: int | None) -> None:
        nonlocal failures, clicked
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = done = 0
        for n in range(clicks):
            if lease_id is None:
                break
            response_url = fake.response_url("actions")
            for _ in range(2 if n % 10 == 0 else 1):
                # A double click is two deliveries (own action_ts, own signature).
                body = click_body(user, project_id, lease_id, response_url)
                started = time.perf_counter()
                if fresh_connections:
                    conn.close()  # the next request opens a new connection
                try:
                    status = deliver(conn, body)
                except (ConnectionError, http.client.HTTPException):
                    # The server dropped the connection: counted as a failed delivery, then
                    # redelivered on a new connection (a closed one reconnects), as Slack retries.
                    bad += 1
                    conn.close()
                    status = deliver(conn, body)
                mine.append(time.perf_counter() - started)
                bad += status != 200
            lease_id, recorded = next_lease(fake, response_url)
            done += recorded
        conn.close()
        with lock:
            latencies.extend(mine)
            failures += bad
            clicked += done

    pairs = zip(users, leases, strict=True)
    threads = [threading.Thread(target=client, args=pair) for pair in pairs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, time.perf_counter() - started, clicked


def worker_peak_rss_mb(master: int) -> float:
    """The largest VmHWM among `master`'s child processes (the gunicorn workers), in MB."""
    peak = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid != master:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return peak


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bot exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bot did not become healthy")


def one_run(
    url: str,
    project_id: int,
    workers: int,
    clients: int,
    clicks: int,
    run: int,
    fresh_connections: bool = False,
) -> dict[str, float]:
    per_client = clicks // clients
    users = [f"U0B{run:02d}{c:04d}" for c in range(clients)]
    leases = first_leases(url, project_id, users, offset=run * clients)
    engine = make_engine(url)
    with engine.connect() as conn:
        before = conn.scalar(select(func.count(Annotation.id)))
    with FakeSlackProcess() as fake, tempfile.TemporaryDirectory() as empty:
        port = 18000 + os.getpid() % 1000 + workers
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": url,
            "PROJECTS_DIR": empty,
            "LOG_LEVEL": "WARNING",
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
                "--workers",
                str(workers),
                "--threads",
                "16",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_ready(port, proc)
            latencies, failures, elapsed, clicked = run_clients(
                port, fake, project_id, users, leases, per_client, fresh_connections
            )
            worker_mb = worker_peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    with engine.connect() as conn:
        after = conn.scalar(select(func.count(Annotation.id)))
        doubled = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT item_id, annotator FROM annotations "
                "GROUP BY item_id, annotator HAVING count(*) > 1) AS d"
            )
        )
    engine.dispose()
    latencies.sort()
    return {
        "workers": workers,
        "clicks": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "answers_per_s": clicked / elapsed,
        "stored": (after or 0) - (before or 0),
        "expected": clicked,
        "doubled": doubled or 0,
        "non_200": failures,
        "worker_mb": worker_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--clicks", type=int, default=2_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--fresh-connections",
        action="store_true",
        help="a new connection per delivery instead of one kept-alive connection per client",
    )
    parser.add_argument(
        "--consensus",
        choices=["majority", "dawid_skene"],
        default="majority",
        help="dawid_skene: weighted votes scored on every click, adaptive overlap up to 6",
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        project_id = seed(url, args.items, args.consensus)
        print(
            f"seeded {args.items:,} items + {3 * args.items:,} answers "
            f"in {time.perf_counter() - started:.1f}s ({url.split(':')[0]}, {args.consensus})"
        )
        print(
            f"{'procs':>5} {'clicks':>7} {'p50 ms':>8} {'p99 ms':>8} {'answers/s':>10} "
            f"{'stored/expected':>16} {'doubled':>8} {'non-200':>8} {'worker MB':>10}"
        )
        for index, workers in enumerate(args.workers):
            r = one_run(
                url,
                project_id,
                workers,
                args.clients,
                args.clicks,
                index,
                args.fresh_connections,
            )
            print(
                f"{r['workers']:>5} {r['clicks']:>7} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
                f"{r['answers_per_s']:>10.0f} {r['stored']:>7}/{r['expected']:<8} "
                f"{r['doubled']:>8} {r['non_200']:>8} {r['worker_mb']:>10.0f}",
                flush=True,
            )
            rows.append(r)
    if args.json:
        database = (args.database_url or "sqlite").split(":")[0].split("+")[0]
        result = {"database": database, "items": args.items, "clients": args.clients, "rows": rows}
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
