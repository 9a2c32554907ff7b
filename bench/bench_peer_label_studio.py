"""Side by side with Label Studio: import, answers, next item and export, both on SQLite.

    .venv/bin/python bench/bench_peer_label_studio.py                  # 10,000 items, 500 answers
    .venv/bin/python bench/bench_peer_label_studio.py --repeat 3 --json peer.json
    .venv/bin/python bench/bench_peer_label_studio.py --label-studio-venv /opt/ls/venv

Starts Label Studio (`label-studio start`, its own Django server, SQLite in a fresh data
directory, bound to 127.0.0.1, version check, analytics and Sentry switched off) and, per run,
a fresh bot database served by `python -m bot run --http` (gunicorn, 1 worker, 16 threads)
against a fake Slack Web API. The same Label Studio task file ({"data": {"ref", "text"}}, ITEMS
sentiment texts) goes into both. Then, in the same run and one after the other:

1. import: ours `import_items` (what `python -m bot import --format label-studio` runs),
   in-process; Label Studio `POST /api/projects/{id}/import` with the same JSON body.
2. answers, sequential (one annotator): ours clicks a signed `block_actions` answer, reads the
   ack (answer stored and next item leased), waits for the next card at the click's
   response_url and clicks on it; Label Studio `GET /api/projects/{id}/next/` then
   `POST /api/tasks/{id}/annotations/`. Answer latency: ours click to ack, Label Studio the
   POST. `answer+next`: ours click until the next card is readable at the fake's
   response_url, Label Studio the GET next plus its POST.
3. answers, concurrent (CLIENTS annotators): ours as above, one Slack user each; Label Studio
   CLIENTS threads POSTing annotations to disjoint tasks (no `next`: its API token is a single
   user and `next` would hand every thread that user's locked task), so its figure leaves out
   choosing the next task, which ours includes.
4. next item: ours a signed `/label next` slash command from a fresh annotator, timed until
   the reply reaches the fake's response_url (picks and leases an item, renders the card,
   posts it with chat.postMessage, then replies); Label Studio the `GET .../next/` times of
   step 2 (picks and locks a task, returns it).
5. export of every item with its annotations: ours `export_project` in Label Studio's format,
   in-process, to a file; Label Studio `GET /api/projects/{id}/export?exportType=JSON&
   download_all_tasks=true`, to a file. Both outputs are parsed and counted.

Every client keeps one HTTP/1.1 connection; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.projects import project_named

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_labeling as bot_bench  # noqa: E402

from bot.dataio.export import export_project  # noqa: E402
from bot.dataio.item_import import import_items  # noqa: E402
from bot.dataio.items import ItemMapping  # noqa: E402
from bot.dataio.readers import SourceFormat  # noqa: E402
from bot.dataio.writers import ExportFormat  # noqa: E402
from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, resolve_guidelines  # noqa: E402
from bot.projects.sync import sync_project  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, read_only, unit_of_work  # noqa: E402
from storage.models import Annotation, GuidelineAck  # noqa: E402

ROOT = BENCH.parent
SPEC = {**bot_bench.SPEC, "overlap": 1}  # one answer per item, as Label Studio's default
LS_TOKEN = "benchpeertoken0123456789abcdef01"
LS_CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="label" toName="text">'
    '<Choice value="positive"/><Choice value="neutral"/><Choice value="negative"/>'
    "</Choices></View>"
)
LS_RESULT = [
    {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["neutral"]}}
]
VERSION_SCRIPT = "from importlib.metadata import version; print(version('label-studio'))"
WORDS = ["great", "awful", "fine", "slow", "broken", "lovely", "meh", "fast", "cheap", "loud"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_tasks(path: Path, count: int) -> None:
    tasks = [
        {
            "data": {
                "ref": f"r{i}",
                "text": f"review {i}: {WORDS[i % 10]} and {WORDS[(i * 7) % 10]}, "
                f"would{' not' if i % 3 else ''} buy again",
            }
        }
        for i in range(1, count + 1)
    ]
    path.write_text(json.dumps(tasks), encoding="utf-8")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[int(q * (len(ordered) - 1))]


def summary(latencies: list[float], answers: int, elapsed: float) -> dict[str, float]:
    return {
        "answers": answers,
        "answers_per_s": answers / elapsed,
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
    }


# --- Label Studio -------------------------------------------------------------------------


class LabelStudio:
    """A `label-studio start` server on 127.0.0.1 with a fresh SQLite data directory."""

    def __init__(self, venv: Path, workdir: Path) -> None:
        self.venv = venv
        self.workdir = workdir
        self.port = free_port()

    def __enter__(self) -> LabelStudio:
        env = {
            **os.environ,
            "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
        }
        self.log = (self.workdir / "label-studio.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(self.venv / "bin" / "label-studio"),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.workdir / "ls-data"),
                "--username",
                "bench@example.com",
                "--password",
                "bench-password-123",
                "--user-token",
                LS_TOKEN,
                "--enable-legacy-api-token",
            ],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        while time.monotonic() - started < 600:
            if self.proc.poll() is not None:
                raise SystemExit(f"label-studio exited; see {self.workdir / 'label-studio.log'}")
            try:
                if self.request("GET", "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            self.__exit__()
            raise SystemExit("label-studio did not come up within 600 s")
        self.startup_s = time.monotonic() - started
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def connect(self, timeout: float = 300) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        conn: http.client.HTTPConnection | None = None,
        timeout: float = 300,
    ) -> tuple[int, bytes]:
        own = conn is None
        conn = conn or self.connect(timeout)
        headers = {"Authorization": f"Token {LS_TOKEN}"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, data = self.request(method, path, body, **kw)
        if status >= 300:
            raise SystemExit(f"label-studio {method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else None


def ls_run(ls: LabelStudio, tasks: Path, workdir: Path, args: argparse.Namespace) -> dict:
    project = ls.ok("POST", "/api/projects/", {"title": "bench", "label_config": LS_CONFIG})
    pid = project["id"]
    body = tasks.read_bytes()
    started = time.perf_counter()
    imported = ls.ok("POST", f"/api/projects/{pid}/import", body)
    import_s = time.perf_counter() - started
    assert imported["task_count"] == args.items, imported

    conn = ls.connect()
    next_times: list[float] = []
    post_times: list[float] = []
    first_task: int | None = None
    started = time.perf_counter()
    for _ in range(args.answers):
        t0 = time.perf_counter()
        task = ls.ok("GET", f"/api/projects/{pid}/next/", conn=conn)
        t1 = time.perf_counter()
        ls.ok("POST", f"/api/tasks/{task['id']}/annotations/", {"result": LS_RESULT}, conn=conn)
        t2 = time.perf_counter()
        next_times.append(t1 - t0)
        post_times.append(t2 - t1)
        first_task = task["id"] if first_task is None else min(first_task, task["id"])
    sequential = summary(post_times, args.answers, time.perf_counter() - started)
    cycles = [n + p for n, p in zip(next_times, post_times, strict=True)]
    sequential |= {"cycle_p50_ms": pct(cycles, 0.5), "cycle_p99_ms": pct(cycles, 0.99)}
    conn.close()

    # Bulk-created tasks of one import have consecutive ids; annotate from the far end.
    assert first_task is not None
    last = first_task + args.items - 1
    per_client = args.answers // args.clients
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        mine = []
        own = ls.connect()
        for k in range(per_client):
            task_id = last - index * per_client - k
            t0 = time.perf_counter()
            ls.ok("POST", f"/api/tasks/{task_id}/annotations/", {"result": LS_RESULT}, conn=own)
            mine.append(time.perf_counter() - t0)
        own.close()
        with lock:
            latencies.extend(mine)

    concurrent = timed_threads(client, args.clients, latencies, per_client * args.clients)

    target = workdir / "ls-export.json"
    started = time.perf_counter()
    status, data = ls.request(
        "GET", f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true"
    )
    target.write_bytes(data)
    export_s = time.perf_counter() - started
    exported = json.loads(data)
    annotated = sum(1 for task in exported if task["annotations"])
    expected = args.answers + per_client * args.clients
    assert status == 200 and len(exported) == args.items, (status, len(exported))
    assert annotated == expected, (annotated, expected)
    return {
        "import_s": import_s,
        "sequential": sequential,
        "concurrent": concurrent,
        "next": {"p50_ms": pct(next_times, 0.5), "p99_ms": pct(next_times, 0.99)},
        "export_s": export_s,
    }


def timed_threads(
    work: Callable[[int], None], clients: int, latencies: list[float], answers: int
) -> dict[str, float]:
    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(latencies, answers, time.perf_counter() - started)


# --- the bot ------------------------------------------------------------------------------


@contextmanager
def bot_server(url: str, fake: bot_bench.FakeSlackProcess, workdir: Path) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": bot_bench.TOKEN,
        "SLACK_SIGNING_SECRET": bot_bench.SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": url,
        "PROJECTS_DIR": str(workdir / "no-projects"),
        "LOG_LEVEL": "WARNING",
    }
    (workdir / "no-projects").mkdir(exist_ok=True)
    command = ["-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, *command, "--workers", "1", "--threads", "16"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        bot_bench.wait_ready(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def acknowledge(url: str, project_id: int, users: list[str]) -> None:
    """Mark the guidelines read, so `/label next` deals an item rather than the guidelines."""
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        for user in users:
            session.add(GuidelineAck(project_id=project_id, user_id=user, version="v1"))
    engine.dispose()


def command_body(user: str, response_url: str) -> str:
    return urllib.parse.urlencode(
        {
            "token": "x",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "D0BENCH",
            "channel_name": "directmessage",
            "user_id": user,
            "user_name": user,
            "command": "/label",
            "text": "next",
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def post(conn: http.client.HTTPConnection, body: str) -> int:
    conn.request("POST", "/slack/events", body=body, headers=bot_bench.signed(body))
    response = conn.getresponse()
    response.read()
    return response.status


def bot_answers(
    port: int,
    fake: bot_bench.FakeSlackProcess,
    project_id: int,
    users: list[str],
    leases: list[int],
    per_client: int,
) -> dict[str, float]:
    """Each annotator clicks, reads the ack, waits for the next card and clicks on it."""
    latencies: list[float] = []
    cycles: list[float] = []
    answered = 0
    lock = threading.Lock()

    def client(index: int) -> None:
        nonlocal answered
        user, lease_id = users[index], leases[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        rounds: list[float] = []
        done = 0
        for _ in range(per_client):
            response_url = fake.response_url("actions")
            body = bot_bench.click_body(user, project_id, lease_id, response_url)
            t0 = time.perf_counter()
            assert post(conn, body) == 200
            mine.append(time.perf_counter() - t0)
            next_lease, recorded = bot_bench.next_lease(fake, response_url)
            rounds.append(time.perf_counter() - t0)
            done += recorded
            if next_lease is None:
                break
            lease_id = next_lease
        conn.close()
        with lock:
            latencies.extend(mine)
            cycles.extend(rounds)
            answered += done

    result = timed_threads(client, len(users), latencies, per_client * len(users))
    result["answers_per_s"] *= answered / (per_client * len(users))
    result["answers"] = answered
    result |= {"cycle_p50_ms": pct(cycles, 0.5), "cycle_p99_ms": pct(cycles, 0.99)}
    return result


def bot_next(port: int, fake: bot_bench.FakeSlackProcess, users: list[str]) -> dict[str, float]:
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for user in users:
        response_url = fake.response_url("commands")
        t0 = time.perf_counter()
        assert post(conn, command_body(user, response_url)) == 200
        bot_bench.next_lease(fake, response_url)
        times.append(time.perf_counter() - t0)
    conn.close()
    return {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99)}


def bot_run(tasks: Path, workdir: Path, args: argparse.Namespace) -> dict:
    url = f"sqlite:///{workdir / 'bot.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    spec = ProjectSpec.model_validate(SPEC)
    with unit_of_work(sessions) as session:
        sync_project(session, LoadedProject(Path("b.yml"), spec, resolve_guidelines(spec, ROOT)))

    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        project = project_named(session, "bench")
        summary_ = import_items(
            session,
            project,
            tasks,
            fmt=SourceFormat.LABEL_STUDIO,
            mapping=ItemMapping(id_field="ref"),
        )
    import_s = time.perf_counter() - started
    assert summary_.inserted == args.items, summary_
    with read_only(sessions) as session:
        project_id = project_named(session, "bench").id

    per_client = args.answers // args.clients
    seq_user = ["U0PSEQ0001"]
    conc_users = [f"U0PCON{c:04d}" for c in range(args.clients)]
    next_users = [f"U0PNXT{n:04d}" for n in range(args.next)]
    seq_leases = bot_bench.first_leases(url, project_id, seq_user, offset=0)
    conc_leases = bot_bench.first_leases(url, project_id, conc_users, args.items - args.clients)
    acknowledge(url, project_id, next_users)
    with bot_bench.FakeSlackProcess() as fake, bot_server(url, fake, workdir) as port:
        sequential = bot_answers(port, fake, project_id, seq_user, seq_leases, args.answers)
        concurrent = bot_answers(port, fake, project_id, conc_users, conc_leases, per_client)
        next_item = bot_next(port, fake, next_users)

    target = workdir / "bot-export.json"
    started = time.perf_counter()
    with read_only(sessions) as session, target.open("w", encoding="utf-8") as out:
        written = export_project(
            session, project_named(session, "bench"), ExportFormat.LABEL_STUDIO, out
        )
    export_s = time.perf_counter() - started
    exported = json.loads(target.read_text(encoding="utf-8"))
    annotated = sum(1 for task in exported if task.get("annotations"))
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count(Annotation.id)))
    engine.dispose()
    expected = sequential["answers"] + concurrent["answers"]
    assert written == len(exported) == args.items, (written, len(exported))
    assert stored == annotated == expected, (stored, annotated, expected)
    return {
        "import_s": import_s,
        "sequential": sequential,
        "concurrent": concurrent,
        "next": next_item,
        "export_s": export_s,
    }


# --- report -------------------------------------------------------------------------------


def median_of(runs: list[dict]) -> dict:
    """Field by field median over runs (nested dicts of numbers)."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: median_of([run[key] for run in runs]) for key in first}
    return statistics.median(runs)


ROWS = [
    ("import {items:,} items (s)", ("import_s",), False),
    ("sequential answers/s", ("sequential", "answers_per_s"), True),
    ("sequential answer p50 (ms)", ("sequential", "p50_ms"), False),
    ("sequential answer p99 (ms)", ("sequential", "p99_ms"), False),
    ("sequential answer+next p50 (ms)", ("sequential", "cycle_p50_ms"), False),
    ("sequential answer+next p99 (ms)", ("sequential", "cycle_p99_ms"), False),
    ("{clients} clients answers/s", ("concurrent", "answers_per_s"), True),
    ("{clients} clients answer p50 (ms)", ("concurrent", "p50_ms"), False),
    ("{clients} clients answer p99 (ms)", ("concurrent", "p99_ms"), False),
    ("next item p50 (ms)", ("next", "p50_ms"), False),
    ("next item p99 (ms)", ("next", "p99_ms"), False),
    ("export {items:,} items (s)", ("export_s",), False),
]


def table(ours: dict, theirs: dict, args: argparse.Namespace) -> list[dict]:
    """Rows with both figures and `advantage`: how many times better ours is (>1 = ours wins)."""
    rows = []
    for label, path, higher_is_better in ROWS:
        a, b = ours, theirs
        for key in path:
            a, b = a[key], b[key]
        advantage = a / b if higher_is_better else b / a
        name = label.format(items=args.items, clients=args.clients)
        rows.append({"metric": name, "ours": a, "label_studio": b, "advantage": advantage})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=500, help="answers per mode")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--next", type=int, default=200, help="`/label next` calls (ours)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--label-studio-venv", type=Path, default=Path("/tmp/ls/venv"))
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    venv = args.label_studio_venv
    if not (venv / "bin" / "label-studio").exists():
        raise SystemExit(f"no label-studio in {venv} (pass --label-studio-venv)")
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", VERSION_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"Label Studio {version} vs ours: {args.items:,} items, "
        f"{args.answers} answers per mode, {args.clients} clients"
    )
    ours_runs, theirs_runs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        root = Path(tmp)
        tasks = root / "tasks.json"
        write_tasks(tasks, args.items)
        with LabelStudio(venv, root) as ls:
            print(f"label-studio up in {ls.startup_s:.0f} s (not timed)", flush=True)
            for run in range(args.repeat):
                workdir = root / f"run{run}"
                workdir.mkdir()
                load = os.getloadavg()[0]
                ours_runs.append(bot_run(tasks, workdir, args))
                theirs_runs.append(ls_run(ls, tasks, workdir, args))
                print(f"run {run + 1} done (load {load:.2f})", flush=True)
    rows = table(median_of(ours_runs), median_of(theirs_runs), args)
    note = f"median of {args.repeat} runs" if args.repeat > 1 else "one run"
    print(f"\n{'metric':<32} {'ours':>10} {'Label Studio':>13} {'ours better by':>15}  ({note})")
    for row in rows:
        print(
            f"{row['metric']:<32} {row['ours']:>10.2f} {row['label_studio']:>13.2f} "
            f"{row['advantage']:>14.1f}x"
        )
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        result = {
            "label_studio_version": version,
            "items": args.items,
            "answers": args.answers,
            "clients": args.clients,
            "repeat": args.repeat,
            "rows": rows,
            "ours_runs": ours_runs,
            "label_studio_runs": theirs_runs,
        }
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
