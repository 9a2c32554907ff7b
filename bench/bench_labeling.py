"""Label-click load: signed `block_actions` clicks into the real HTTP server (gunicorn).

    .venv/bin/python bench/bench_labeling.py           # 1M answers, SQLite, 1 and 2 processes
    .venv/bin/python bench/bench_labeling.py --processes 1,2,3 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_labeling.py --items 20000 --answers 60000 --clicks 400  # quick
    .venv/bin/python bench/bench_labeling.py --consensus dawid_skene   # weighted votes

Stores ITEMS items (overlap 5) and ANSWERS answers (`click_seed`), counts the statements one
click costs in this process (`click_statements`), then starts `python -m bot run --http`
(gunicorn, 1..N worker processes, 16 threads each) against a fake Slack Web API in its own
process, and has CLIENTS concurrent annotators label: each clicks an answer, waits for the next
card the bot sends through the click's response_url (as a person does) and clicks on it; every
10th click is sent twice, like a double click.

Per run it reports click-to-ack latency p50/p99 (Bolt acks once the answer is stored and the
next item leased), answers per second, the workers' CPU per click and answers per worker CPU
second (from /proc: the machine-independent figures), the load generator's own share of the
machine's CPU (this process's client threads plus the fake Slack), PostgreSQL's server CPU per
click, and the workers' peak RSS. Afterwards it counts the answers in the database: every
answer the bot confirmed must be stored exactly once (`stored/expected`, `doubled`).
`--json PATH` also writes every row to a file.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click_requests import SECRET, TOKEN, card_lease, click_body, signed  # noqa: E402
from click_seed import first_leases, seed  # noqa: E402
from click_statements import count_statements  # noqa: E402
from proc_stats import CpuMeter, children, load_average, named, peak_rss_mb  # noqa: E402

from storage.db import make_engine  # noqa: E402
from storage.models import Annotation  # noqa: E402

# The fake Slack, in its own process: it records each card posted to a response_url, and
# `bench.card` answers a client's question "has my card arrived?" as soon as it has (a long
# poll), so waiting for a card costs the machine one request instead of a busy loop.
FAKE_SLACK_SCRIPT = """
import sys, threading, time
sys.path.insert(0, sys.argv[1])
from tests.fake_slack import FakeSlack
cards, arrived = {}, threading.Condition()
def card(call):
    path = call.body.get('path')
    with arrived:
        arrived.wait_for(lambda: path in cards, timeout=15)
        body = cards.pop(path, None)
    return {'ok': body is not None, 'card': body}
with FakeSlack() as fake:
    fake.set_response('bench.card', card)
    original = fake._record
    def record(call):
        if call.method == 'response_url':
            with arrived:
                cards[call.path] = call.body
                arrived.notify_all()
        else:
            original(call)
    fake._record = record
    print(fake.base_url, flush=True)
    time.sleep(36000)
"""


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
        self._lock = threading.Lock()
        return self

    def response_url(self, kind: str) -> str:
        with self._lock:
            self._n += 1
            n = self._n
        return f"{self.base_url}response/{kind}/T0BENCH/{n}/r{n:08d}"

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def next_lease(conn: http.client.HTTPConnection, response_url: str) -> tuple[int | None, bool]:
    """Wait for the card the bot sent through `response_url` (see `card_lease`)."""
    path = urllib.parse.urlsplit(response_url).path
    conn.request(
        "POST",
        "/api/bench.card",
        body=json.dumps({"path": path}),
        headers={"Content-Type": "application/json"},
    )
    answer = json.loads(conn.getresponse().read())
    if not answer["ok"]:
        raise SystemExit(f"no card arrived at {path}")
    return card_lease(answer["card"])


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
    fake_host, fake_port = urllib.parse.urlsplit(fake.base_url).netloc.split(":")

    def client(user: str, lease_id: int | None) -> None:
        nonlocal failures, clicked
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cards = http.client.HTTPConnection(fake_host, int(fake_port), timeout=30)
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
            lease_id, recorded = next_lease(cards, response_url)
            done += recorded
        conn.close()
        cards.close()
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


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
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


def wait_workers(master: int, workers: int) -> list[int]:
    """gunicorn's worker pids, once all `workers` have forked and answer health checks."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = children(master)
        if len(pids) >= workers:
            return pids
        time.sleep(0.1)
    raise SystemExit("gunicorn's workers did not start")


def one_run(
    url: str,
    project_id: int,
    last_item: int,
    workers: int,
    clients: int,
    clicks: int,
    run: int,
    fresh_connections: bool = False,
) -> dict[str, Any]:
    per_client = clicks // clients
    users = [f"U0B{run:02d}{c:04d}" for c in range(clients)]
    leases = first_leases(url, project_id, users, last_item=last_item - run * clients)
    engine = make_engine(url)
    with engine.connect() as conn:
        before = conn.scalar(select(func.count(Annotation.id)))
    postgres = url.startswith("postgresql")
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
        command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--threads", "16"]
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_ready(port, proc)
            pids = wait_workers(proc.pid, workers)
            worker_cpu = CpuMeter(lambda: pids)
            loadgen_cpu = CpuMeter(lambda: [os.getpid(), fake.proc.pid])
            db_cpu = CpuMeter(lambda: named("postgres") if postgres else [])
            load_before = load_average()
            for meter in (worker_cpu, loadgen_cpu, db_cpu):
                meter.start()
            latencies, failures, elapsed, clicked = run_clients(
                port, fake, project_id, users, leases, per_client, fresh_connections
            )
            for meter in (worker_cpu, loadgen_cpu, db_cpu):
                meter.stop()
            load_after = load_average()
            worker_mb = max(peak_rss_mb(pid) for pid in pids)
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
    deliveries = len(latencies)
    cores = os.cpu_count() or 1
    return {
        "workers": workers,
        "clicks": deliveries,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (deliveries - 1))],
        "answers_per_s": clicked / elapsed,
        "worker_cpu_ms_per_click": 1000 * worker_cpu.seconds / deliveries,
        "answers_per_worker_cpu_s": clicked / worker_cpu.seconds if worker_cpu.seconds else 0.0,
        "db_cpu_ms_per_click": 1000 * db_cpu.seconds / deliveries if postgres else None,
        "loadgen_cpu_share": loadgen_cpu.seconds / (elapsed * cores),
        "machine_cpu_share": (worker_cpu.seconds + loadgen_cpu.seconds + db_cpu.seconds)
        / (elapsed * cores),
        "stored": (after or 0) - (before or 0),
        "expected": clicked,
        "doubled": doubled or 0,
        "non_200": failures,
        "worker_mb": worker_mb,
        "load": [load_before, load_after],
    }


HEADER = (
    f"{'procs':>5} {'clicks':>6} {'p50 ms':>7} {'p99 ms':>7} {'ans/s':>6} {'CPU ms/click':>12} "
    f"{'ans/CPU s':>9} {'DB ms/click':>11} {'loadgen':>7} {'stored/expected':>15} "
    f"{'doubled':>7} {'non-200':>7} {'worker MB':>9} {'load':>9}"
)


def row_line(r: dict[str, Any]) -> str:
    db = "-" if r["db_cpu_ms_per_click"] is None else f"{r['db_cpu_ms_per_click']:.2f}"
    return (
        f"{r['workers']:>5} {r['clicks']:>6} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
        f"{r['answers_per_s']:>6.0f} {r['worker_cpu_ms_per_click']:>12.2f} "
        f"{r['answers_per_worker_cpu_s']:>9.0f} {db:>11} {100 * r['loadgen_cpu_share']:>6.0f}% "
        f"{r['stored']:>7}/{r['expected']:<7} {r['doubled']:>7} {r['non_200']:>7} "
        f"{r['worker_mb']:>9.0f} {r['load'][0]:>4.1f}-{r['load'][1]:<4.1f}"
    )


def processes(value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of process counts") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("process counts are 1 or more")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers stored first")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--clicks", type=int, default=2_000)
    parser.add_argument("--processes", type=processes, default=[1, 2], help="e.g. 1,2,3")
    parser.add_argument("--statement-clicks", type=int, default=200)
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
        project_id = seed(url, args.items, args.answers, args.consensus)
        print(
            f"seeded {args.items:,} items + {args.answers:,} answers in "
            f"{time.perf_counter() - started:.1f}s ({url.split(':')[0]}, {args.consensus}), "
            f"load {load_average():.1f}",
            flush=True,
        )
        first_item = args.items - len(args.processes) * args.clients
        counted = count_statements(url, project_id, args.statement_clicks, first_item)
        print(f"statements per click: {counted.per_click:.2f} (over {counted.clicks} clicks)")
        print(
            f"CPU per click in process: {counted.ack_ms:.2f} ms to the ack, of which "
            f"{counted.floor_ack_ms:.2f} ms any acked click pays (gate, Bolt); "
            f"{counted.post_ms:.2f} ms for the next card's response_url POST"
        )
        for kind, n in counted.by_kind.most_common():
            print(f"  {n / counted.clicks:5.2f}  {kind}")
        print(HEADER, flush=True)
        for index, workers in enumerate(args.processes):
            r = one_run(
                url,
                project_id,
                args.items,
                workers,
                args.clients,
                args.clicks,
                index,
                args.fresh_connections,
            )
            print(row_line(r), flush=True)
            rows.append(r)
    if args.json:
        database = (args.database_url or "sqlite").split(":")[0].split("+")[0]
        result = {
            "database": database,
            "items": args.items,
            "answers": args.answers,
            "clients": args.clients,
            "statements_per_click": counted.per_click,
            "statements": dict(counted.by_kind),
            "ack_cpu_ms": counted.ack_ms,
            "floor_ack_cpu_ms": counted.floor_ack_ms,
            "post_cpu_ms": counted.post_ms,
            "rows": rows,
        }
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
