"""Side by side with Label Studio: import, answers, next item and export, both on SQLite.

    .venv/bin/python bench/bench_peer_label_studio.py                  # 10,000 items, 500 answers
    .venv/bin/python bench/bench_peer_label_studio.py --repeat 3 --json peer.json
    .venv/bin/python bench/bench_peer_label_studio.py --label-studio-venv /opt/ls/venv
    .venv/bin/python bench/bench_peer_label_studio.py --round-trip-only --items 2000

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

6. round trip (after the timed runs; `--no-round-trip` leaves it out, `--round-trip-only`
   leaves out Label Studio's timed side): our Label Studio export plus its labeling config
   (`export --format label-studio --label-config`), for the first run's project (answers
   clicked over HTTP) and for one small project per result type (single and multiple choice,
   a 1..5 rating, a 0..4 rating exported as choices, free text; three annotators, so most
   items have several answers; model predictions on half the items), answered through the
   domain calls a click makes. Each goes into a new Label Studio project created with that
   config (`POST /api/projects/`): its own validator (label_studio_sdk's LabelInterface) on
   every result; `POST /api/projects/{id}/import` first as exported (the annotators are not
   Label Studio users yet), then after creating them (`POST /api/users/`); the counts its
   project then holds; its plain JSON export and an export snapshot with `completed_by` in
   full, each compared with ours and read back by our importer (`import` and
   `import-annotations`, `--format label-studio`) into a fresh database.

Without Label Studio (no `label-studio` in the virtualenv) ours runs alone and says so.
Every client keeps one HTTP/1.1 connection; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
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
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.projects import project_named

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_labeling as bot_bench  # noqa: E402
from click_requests import SECRET, TOKEN, click_body, signed  # noqa: E402
from click_seed import SPEC as CLICK_SPEC  # noqa: E402
from click_seed import first_leases  # noqa: E402

from bot.dataio.annotation_import import import_annotations  # noqa: E402
from bot.dataio.export import export_project  # noqa: E402
from bot.dataio.formats import ExportFormat  # noqa: E402
from bot.dataio.item_import import import_items  # noqa: E402
from bot.dataio.items import ItemMapping  # noqa: E402
from bot.dataio.label_studio_config import annotator_of, labeling_config, names_for  # noqa: E402
from bot.dataio.readers import SourceFormat  # noqa: E402
from bot.domain.assignment import assign_next  # noqa: E402
from bot.domain.labeling import AnswerStatus, Unsure, answer_card, skip_item  # noqa: E402
from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, TaskKind, resolve_guidelines  # noqa: E402
from bot.projects.sync import project_spec, sync_project  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, read_only, unit_of_work  # noqa: E402
from storage.models import Annotation, GuidelineAck, Item, Project  # noqa: E402

ROOT = BENCH.parent
SPEC = {**CLICK_SPEC, "overlap": 1}  # one answer per item, as Label Studio's default
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
            # Its settings create this directory on import: keep it out of the home directory.
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.workdir / "ls-data"),
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
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
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
    conn.request("POST", "/slack/events", body=body, headers=signed(body))
    response = conn.getresponse()
    response.read()
    return response.status


def fake_connection(fake: bot_bench.FakeSlackProcess) -> http.client.HTTPConnection:
    """A connection to the fake Slack, to wait there for the cards the bot sends."""
    host, port = urllib.parse.urlsplit(fake.base_url).netloc.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


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
        cards = fake_connection(fake)
        mine: list[float] = []
        rounds: list[float] = []
        done = 0
        for _ in range(per_client):
            response_url = fake.response_url("actions")
            body = click_body(user, project_id, lease_id, response_url)
            t0 = time.perf_counter()
            assert post(conn, body) == 200
            mine.append(time.perf_counter() - t0)
            next_lease, recorded = bot_bench.next_lease(cards, response_url)
            rounds.append(time.perf_counter() - t0)
            done += recorded
            if next_lease is None:
                break
            lease_id = next_lease
        conn.close()
        cards.close()
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
    cards = fake_connection(fake)
    for user in users:
        response_url = fake.response_url("commands")
        t0 = time.perf_counter()
        assert post(conn, command_body(user, response_url)) == 200
        bot_bench.next_lease(cards, response_url)
        times.append(time.perf_counter() - t0)
    conn.close()
    cards.close()
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
    # First cards from the end of the queue, where the server's own picks (from the front)
    # do not reach: the sequential annotator's at the last item, the clients' just before.
    seq_leases = first_leases(url, project_id, seq_user, last_item=args.items)
    conc_leases = first_leases(url, project_id, conc_users, last_item=args.items - 1)
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


# --- round trip: our export into Label Studio, and back -----------------------------------

RT_ITEMS = 12
RT_ANNOTATORS = ["U0RTANN001", "U0RTANN002", "U0RTANN003"]
SENTIMENT = [
    {"value": "positive", "text": "Positive"},
    {"value": "neutral", "text": "Neutral"},
    {"value": "negative", "text": "Negative"},
]
TOPICS = [
    {"value": "price", "text": "Price"},
    {"value": "quality", "text": "Quality"},
    {"value": "delivery", "text": "Delivery"},
    {"value": "support", "text": "Support & service"},
]
TEXT_FIELD = [{"key": "text", "label": "Review"}]
#: slug -> (task, display fields): one project per result type `label_studio_config` writes.
RT_PROJECTS: dict[str, tuple[dict[str, Any], list[dict[str, str]]]] = {
    "rt-single": (
        {"kind": "single_choice", "question": "What is the sentiment?", "choices": SENTIMENT},
        [*TEXT_FIELD, {"key": "product", "label": "Product"}],
    ),
    "rt-multi": (
        {"kind": "multi_choice", "question": "Which topics does it raise?", "choices": TOPICS},
        TEXT_FIELD,
    ),
    "rt-rating": (
        {"kind": "rating", "question": "How helpful is it?", "scale": {"min": 1, "max": 5}},
        TEXT_FIELD,
    ),
    "rt-rating-0": (  # a scale from 0: exported as choices, not Rating
        {"kind": "rating", "question": "How urgent?", "scale": {"min": 0, "max": 4}},
        TEXT_FIELD,
    ),
    "rt-text": (
        {"kind": "free_text", "question": "Summarise the review in a sentence."},
        TEXT_FIELD,
    ),
}

# Run with Label Studio's Python: its own validator (label_studio_sdk's LabelInterface, which
# its importer applies to predictions) on every exported annotation and prediction.
VALIDATE_SCRIPT = """
import json, sys
from label_studio_sdk.label_interface import LabelInterface
config = LabelInterface(open(sys.argv[1], encoding="utf-8").read())
errors = []
for t, task in enumerate(json.load(open(sys.argv[2], encoding="utf-8"))):
    for kind in ("annotations", "predictions"):
        for n, entry in enumerate(task.get(kind) or []):
            for error in config.validate_prediction(entry, return_errors=True):
                errors.append(f"task {t} {kind[:-1]} {n}: {error}")
print(json.dumps(errors))
"""


def rt_spec(slug: str) -> ProjectSpec:
    task, fields = RT_PROJECTS[slug]
    return ProjectSpec.model_validate(
        {
            "slug": slug,
            "title": f"Round trip {slug}",
            "guidelines": {"text": "## Round trip\nAnswer as you see it.", "version": "v1"},
            "task": task,
            "display": {"fields": fields},
            "overlap": len(RT_ANNOTATORS),
            "slack": {"leads": ["U0LEAD0001"]},
        }
    )


def rt_value(spec: ProjectSpec, i: int, k: int) -> Any:
    """Annotator k's answer to item i: varied, so that items get both agreement and dispute."""
    task = spec.task
    if task.kind is TaskKind.FREE_TEXT:
        return f"Item {i}, annotator {k + 1}: “fine”, not great — 5€ & <ok>\nSecond line ✓"
    values = task.choice_values
    if task.kind is TaskKind.MULTI_CHOICE:
        mask = (3 * i + k) % (2 ** len(values) - 1) + 1
        return [v for bit, v in enumerate(values) if mask >> bit & 1]
    return values[(i + k) % len(values)] if k < 2 else values[i % len(values)]


def rt_items(spec: ProjectSpec, path: Path) -> None:
    """RT_ITEMS items as JSON Lines; choice projects get a model prediction on even items."""
    lines = []
    for i in range(1, RT_ITEMS + 1):
        row: dict[str, Any] = {
            "id": f"{spec.slug}-{i}",
            "text": f"review {i}: {WORDS[i % 10]} and {WORDS[(i * 7) % 10]}",
            "product": f"product {i % 4}",
        }
        if spec.task.kind is not TaskKind.FREE_TEXT and i % 2 == 0:
            row |= {"prediction": rt_value(spec, i, 0), "score": 0.5 + i / 100}
        lines.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rt_answer(sessions: Any, spec: ProjectSpec) -> int:
    """Every annotator takes the queue's next item until none is left, through the same
    domain calls a click makes (`assign_next`, `answer_card`). The third annotator skips odd
    items (they keep two answers) and the second is unsure about item 1 (an answer without a
    value, which the export leaves out). Returns the answers with a value."""
    rng = random.Random(17)
    valued = 0
    for k, user in enumerate(RT_ANNOTATORS):
        while True:
            with unit_of_work(sessions) as session:
                project = project_named(session, spec.slug)
                now = datetime.now(UTC)
                got = assign_next(session, project, user, now, rng)
                if got is None:
                    break
                i = int(got.item.external_id.rsplit("-", 1)[1])
                if k == 2 and i % 2:
                    skip_item(session, project, user, lease_id=got.lease.id)
                    continue
                unsure = Unsure("ambiguous") if (k, i) == (1, 1) else None
                _, result = answer_card(
                    session,
                    user,
                    project_id=project.id,
                    lease_id=got.lease.id,
                    value=rt_value(spec, i, k),
                    unsure=unsure,
                    now=now,
                    rng=rng,
                )
                assert result.status is AnswerStatus.RECORDED, result
                valued += unsure is None
    return valued


def rt_prepare(workdir: Path) -> list[tuple[str, ProjectSpec, Path, str]]:
    """The round-trip projects in their own database, answered and exported with the
    labeling config beside each export: (name, spec, export file, database URL)."""
    url = f"sqlite:///{workdir / 'round-trip.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    prepared = []
    for slug in RT_PROJECTS:
        spec = rt_spec(slug)
        items = workdir / f"{slug}-items.jsonl"
        rt_items(spec, items)
        with unit_of_work(sessions) as session:
            loaded = LoadedProject(Path(f"{slug}.yml"), spec, resolve_guidelines(spec, ROOT))
            sync_project(session, loaded)
            import_items(session, project_named(session, slug), items, fmt=SourceFormat.JSONL)
        answered = rt_answer(sessions, spec)
        export = our_export(sessions, slug, workdir)
        tasks = json.loads(export.read_text(encoding="utf-8"))
        assert sum(len(t["annotations"]) for t in tasks) == answered, (slug, answered)
        prepared.append((slug, spec, export, url))
    engine.dispose()
    return prepared


def our_export(sessions: Any, slug: str, workdir: Path) -> Path:
    """What `python -m bot export SLUG --format label-studio -o SLUG.json --label-config
    SLUG.xml` writes: the tasks and the labeling config they match."""
    target = workdir / f"{slug}.json"
    with read_only(sessions) as session, target.open("w", encoding="utf-8") as out:
        project = project_named(session, slug)
        export_project(session, project, ExportFormat.LABEL_STUDIO, out)
        config = labeling_config(project_spec(project))
    target.with_suffix(".xml").write_text(config, encoding="utf-8")
    return target


def region_key(region: dict[str, Any]) -> str:
    """A result region without the ids and origin Label Studio adds."""
    keep = ("from_name", "to_name", "type", "value")
    return json.dumps({k: region.get(k) for k in keep}, sort_keys=True, ensure_ascii=False)


def answers_of(tasks: list[dict[str, Any]], who: Callable[[Any], str]) -> list[tuple]:
    """(item id, annotator, result) of every annotation, sorted, to compare two exports."""
    return sorted(
        (
            task["meta"]["external_id"],
            who(annotation["completed_by"]),
            tuple(region_key(region) for region in annotation["result"]),
        )
        for task in tasks
        for annotation in task.get("annotations") or []
    )


def ls_users(ls: LabelStudio) -> dict[str, int]:
    users = ls.ok("GET", "/api/users/")
    return {user["email"]: user["id"] for user in users}


def ls_round_trip(
    ls: LabelStudio, venv: Path, case: tuple[str, ProjectSpec, Path, str], workdir: Path
) -> dict[str, Any]:
    """Our export into a new Label Studio project created with our labeling config; what it
    accepted and stored; its export of that project read back by our importer."""
    name, spec, export, db_url = case
    config = export.with_suffix(".xml")
    ours = json.loads(export.read_text(encoding="utf-8"))
    emails = sorted({a["completed_by"]["email"] for t in ours for a in t["annotations"]})
    per_item = [len(t["annotations"]) for t in ours]
    report: dict[str, Any] = {
        "project": name,
        "kind": spec.task.kind.value,
        "result_type": names_for(spec).result_type,
        "exported": {
            "tasks": len(ours),
            "annotations": sum(per_item),
            "predictions": sum(len(t.get("predictions", [])) for t in ours),
            "annotators": len(emails),
            "tasks_with_2_plus": sum(n >= 2 for n in per_item),
        },
    }
    validated = subprocess.run(
        [str(venv / "bin" / "python"), "-c", VALIDATE_SCRIPT, str(config), str(export)],
        capture_output=True,
        text=True,
        check=True,
    )
    report["invalid_results"] = json.loads(validated.stdout.strip().splitlines()[-1])

    body = {"title": f"round trip {name}", "label_config": config.read_text(encoding="utf-8")}
    status, data = ls.request("POST", "/api/projects/", body)
    if status >= 300:  # Label Studio refused the labeling config itself
        report["config_rejected"] = {"status": status, "error": data.decode()[:2000]}
        return report
    pid = json.loads(data)["id"]
    tasks = export.read_bytes()
    known = ls_users(ls)
    unknown = [email for email in emails if email not in known]
    if unknown:
        # As exported: the annotators are not Label Studio users yet.
        status, data = ls.request("POST", f"/api/projects/{pid}/import", tasks)
        report["import_without_users"] = {
            "status": status,
            "unknown_annotators": len(unknown),
            "response": data.decode()[:600],
            "tasks_stored": ls.ok("GET", f"/api/projects/{pid}/")["task_number"],
        }
        if status < 300:
            report["imported"] = json.loads(data)
    if "imported" not in report:
        for email in unknown:  # what `completed_by` names must exist first (see README)
            ls.ok("POST", "/api/users/", {"email": email, "username": email})
        report["users_created"] = len(unknown)
        status, data = ls.request("POST", f"/api/projects/{pid}/import", tasks)
        if status >= 300:
            report["import_error"] = {"status": status, "response": data.decode()[:2000]}
            return report
        report["imported"] = json.loads(data)
    stored = ls.ok("GET", f"/api/projects/{pid}/")
    report["stored"] = {
        key: stored[key]
        for key in (
            "task_number",
            "total_annotations_number",
            "num_tasks_with_annotations",
            "total_predictions_number",
        )
    }
    email_of = {user_id: email for email, user_id in ls_users(ls).items()}
    expected = our_rows(db_url, spec.slug)
    report["label_studio_export"], report["read_back"] = {}, {}
    for how in ("plain", "snapshot"):
        path = workdir / f"{name}-label-studio-{how}.json"
        back = ls_download(ls, pid, path, snapshot=how == "snapshot")
        report["label_studio_export"][how] = compare_export(ours, back, email_of)
        got = read_back(spec, path, workdir / f"{name}-read-back-{how}.db")
        answers = got.pop("answers")
        # The plain export names annotators by Label Studio user id, and our importer keeps
        # that id; mapped back through Label Studio's user list they are ours again.
        slack_id = {str(user_id): annotator_of(email) for user_id, email in email_of.items()}
        mapped = sorted((e, slack_id.get(a, a), v) for e, a, v in answers)
        got |= {
            "same_answers": answers == expected["answers"],
            "same_answers_ids_mapped": mapped == expected["answers"],
            "same_predictions": got.pop("predictions") == expected["predictions"],
        }
        report["read_back"][how] = got
    return report


def ls_download(ls: LabelStudio, pid: int, target: Path, *, snapshot: bool) -> list[dict]:
    """Label Studio's JSON export of every task: the plain `GET .../export` (user ids, as
    the timed step reads it), or an export snapshot with `completed_by` and the predictions
    written out in full (`POST .../exports/` with `serialization_options`)."""
    if snapshot:
        full = {"only_id": False}
        options = {"annotations__completed_by": full, "predictions": full}
        made = ls.ok("POST", f"/api/projects/{pid}/exports/", {"serialization_options": options})
        for _ in range(600):
            if made["status"] == "completed":
                break
            if made["status"] == "failed":
                raise SystemExit(f"label-studio export snapshot failed: {made}")
            time.sleep(0.5)
            made = ls.ok("GET", f"/api/projects/{pid}/exports/{made['id']}")
        path = f"/api/projects/{pid}/exports/{made['id']}/download?exportType=JSON"
    else:
        path = f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true"
    status, data = ls.request("GET", path)
    assert status == 200, (status, data[:300])
    target.write_bytes(data)
    return json.loads(data)


def compare_export(
    ours: list[dict[str, Any]], back: list[dict[str, Any]], email_of: dict[int, str]
) -> dict[str, Any]:
    """Label Studio's export against ours: tasks, annotations (item, annotator, result), and
    which of our annotation fields it kept."""

    def who(value: Any) -> str:
        return value["email"] if isinstance(value, dict) else email_of.get(value, str(value))

    def by_answer(tasks: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {
            (task["meta"]["external_id"], who(a["completed_by"])): a
            for task in tasks
            for a in task.get("annotations") or []
        }

    mine, theirs = by_answer(ours), by_answer(back)
    shared = mine.keys() & theirs.keys()
    first = next((a for t in back for a in t.get("annotations") or []), None)
    return {
        "tasks": len(back),
        "annotations": len(theirs),
        "completed_by": type(first["completed_by"]).__name__ if first else None,
        "same_answers": answers_of(ours, who) == answers_of(back, who),
        "lead_time_kept": sum(
            abs((theirs[k]["lead_time"] or 0) - (mine[k]["lead_time"] or 0)) < 1e-6 for k in shared
        ),
        "created_at_kept": sum(
            same_moment(theirs[k]["created_at"], mine[k]["created_at"]) for k in shared
        ),
        "predictions": sum(len(t.get("predictions") or []) for t in back),
        "predictions_in_full": sum(
            isinstance(p, dict) for t in back for p in t.get("predictions") or []
        ),
    }


def same_moment(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    first, second = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (a, b))
    return abs((first - second).total_seconds()) < 1


def read_back(spec: ProjectSpec, path: Path, db: Path) -> dict[str, Any]:
    """A Label Studio export into a fresh project of ours, with our importer (what `import`
    then `import-annotations`, both `--format label-studio`, run)."""
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        sync_project(session, LoadedProject(Path("b.yml"), spec, resolve_guidelines(spec, ROOT)))
        project = project_named(session, spec.slug)
        items = import_items(session, project, path, fmt=SourceFormat.LABEL_STUDIO)
        answers = import_annotations(session, project, path, fmt=SourceFormat.LABEL_STUDIO)
    engine.dispose()
    got = our_rows(url, spec.slug)
    return {
        "items": items.inserted,
        "annotations": answers.inserted,
        "annotators_as": sorted({a for _, a, _ in got["answers"]})[:3],
        **got,
    }


def our_rows(db_url: str, slug: str) -> dict[str, list[tuple]]:
    """The project's current answers with a value (what the export holds) as (item id,
    annotator, value), and its items' predictions as (item id, prediction, score)."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        answers = conn.execute(
            select(Item.external_id, Annotation.annotator, Annotation.value)
            .join(Item, Item.id == Annotation.item_id)
            .join(Project, Project.id == Annotation.project_id)
            .where(
                Project.slug == slug,
                Annotation.value.is_not(None),
                Annotation.superseded_at.is_(None),
            )
        ).all()
        predictions = conn.execute(
            select(Item.external_id, Item.prediction, Item.prediction_score)
            .join(Project, Project.id == Item.project_id)
            .where(Project.slug == slug, Item.prediction.is_not(None))
        ).all()
    engine.dispose()
    return {
        "answers": sorted((e, a, json.dumps(v)) for e, a, v in answers),
        "predictions": sorted((e, json.dumps(v), s) for e, v, s in predictions),
    }


def round_trip(
    ls: LabelStudio, venv: Path, bench_run: Path | None, workdir: Path
) -> list[dict[str, Any]]:
    """The bench project's export (answers clicked over HTTP), then one project per task kind."""
    workdir.mkdir()
    cases: list[tuple[str, ProjectSpec, Path, str]] = []
    if bench_run is not None:
        spec = ProjectSpec.model_validate(SPEC)
        export = bench_run / "bot-export.json"
        export.with_suffix(".xml").write_text(labeling_config(spec), encoding="utf-8")
        cases.append(("bench", spec, export, f"sqlite:///{bench_run / 'bot.db'}"))
    cases += rt_prepare(workdir)
    return [ls_round_trip(ls, venv, case, workdir) for case in cases]


def round_trip_ok(r: dict[str, Any]) -> bool:
    """Everything we exported accepted, stored, valid against the config, and back as it was
    (through the snapshot export); the expected refusal before the users exist aside."""
    annotations = r["exported"]["annotations"]
    export = r.get("label_studio_export", {}).get("snapshot", {})
    back = r.get("read_back", {}).get("snapshot", {})
    return (
        not r["invalid_results"]
        and r.get("imported", {}).get("annotation_count") == annotations
        and r.get("stored", {}).get("total_annotations_number") == annotations
        and bool(export.get("same_answers"))
        and bool(back.get("same_answers") and back.get("same_predictions"))
    )


def print_round_trip(reports: list[dict[str, Any]]) -> None:
    """One line per project: what we exported, what Label Studio took, what came back."""

    def same(flag: bool | None) -> str:
        return "-" if flag is None else "same" if flag else "DIFFERS"

    print(
        f"\n{'round trip':<12} {'kind':<13} {'result':<9} {'tasks':>5} {'annots':>6} "
        f"{'2+':>3} {'preds':>5} {'invalid':>7} {'no users':>8} {'imported':>8} "
        f"{'stored':>6} {'LS export':>9} {'read back':>9}"
    )
    for r in reports:
        out = r["exported"]
        without = r.get("import_without_users")
        stored = r.get("stored", {})
        export = r.get("label_studio_export", {}).get("snapshot", {})
        back = r.get("read_back", {}).get("snapshot", {})
        print(
            f"{r['project']:<12} {r['kind']:<13} {r['result_type']:<9} {out['tasks']:>5} "
            f"{out['annotations']:>6} {out['tasks_with_2_plus']:>3} {out['predictions']:>5} "
            f"{len(r['invalid_results']):>7} {without['status'] if without else '-':>8} "
            f"{r.get('imported', {}).get('annotation_count', '-'):>8} "
            f"{stored.get('total_annotations_number', '-'):>6} "
            f"{same(export.get('same_answers')):>9} "
            f"{same(back.get('same_answers') and back.get('same_predictions')):>9}"
        )
        for key in ("config_rejected", "import_error"):
            if key in r:
                print(f"  {key}: {r[key]}")
        for error in r["invalid_results"][:5]:
            print(f"  invalid: {error}")
    print(
        "2+: tasks with two or more annotations; invalid: results Label Studio's LabelInterface "
        "rejects against the config; no users: the import's status before the annotators "
        "exist in Label Studio; LS export and read back: its export snapshot (completed_by in "
        "full) against ours, and read back by our importer"
    )
    first = next((r["import_without_users"] for r in reports if "import_without_users" in r), None)
    if first:
        print(f"import before the annotators are Label Studio users: {first['response'][:300]}")
    plain = [r["read_back"]["plain"] for r in reports if "read_back" in r]
    if plain:
        print(
            "plain GET export (completed_by a user id): read back with annotators "
            f"{plain[0]['annotators_as']}…, same answers once ids are mapped to emails: "
            f"{all(p['same_answers_ids_mapped'] for p in plain)}"
        )


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
    parser.add_argument(
        "--round-trip-only",
        action="store_true",
        help="no timings of Label Studio: one run of ours, then the round trip",
    )
    parser.add_argument("--no-round-trip", action="store_true", help="timings only")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    venv = args.label_studio_venv
    version = None
    if (venv / "bin" / "label-studio").exists():
        version = subprocess.run(
            [str(venv / "bin" / "python"), "-c", VERSION_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    else:
        print(
            f"no label-studio in {venv} (pass --label-studio-venv): Label Studio's side and "
            "the round trip are skipped, ours runs alone"
        )
    timed = version is not None and not args.round_trip_only
    repeat = 1 if args.round_trip_only else args.repeat
    print(
        f"{f'Label Studio {version}' if version else 'no Label Studio'} vs ours: "
        f"{args.items:,} items, {args.answers} answers per mode, {args.clients} clients"
    )
    ours_runs, theirs_runs = [], []
    reports: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        root = Path(tmp)
        tasks = root / "tasks.json"
        write_tasks(tasks, args.items)
        with LabelStudio(venv, root) if version else nullcontext() as ls:
            if ls is not None:
                print(f"label-studio up in {ls.startup_s:.0f} s (not timed)", flush=True)
            for run in range(repeat):
                workdir = root / f"run{run}"
                workdir.mkdir()
                load = os.getloadavg()[0]
                ours_runs.append(bot_run(tasks, workdir, args))
                if timed:
                    theirs_runs.append(ls_run(ls, tasks, workdir, args))
                print(f"run {run + 1} done (load {load:.2f})", flush=True)
            if ls is not None and not args.no_round_trip:
                reports = round_trip(ls, venv, root / "run0", root / "round-trip")
    note = f"median of {repeat} runs" if repeat > 1 else "one run"
    rows = table(median_of(ours_runs), median_of(theirs_runs), args) if timed else []
    if rows:
        print(
            f"\n{'metric':<32} {'ours':>10} {'Label Studio':>13} {'ours better by':>15}  ({note})"
        )
        for row in rows:
            print(
                f"{row['metric']:<32} {row['ours']:>10.2f} {row['label_studio']:>13.2f} "
                f"{row['advantage']:>14.1f}x"
            )
    else:
        ours = median_of(ours_runs)
        print(f"\n{'metric':<32} {'ours':>10}  ({note})")
        for label, path, _ in ROWS:
            value: Any = ours
            for key in path:
                value = value[key]
            print(f"{label.format(items=args.items, clients=args.clients):<32} {value:>10.2f}")
    if reports:
        print_round_trip(reports)
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        result = {
            "label_studio_version": version,
            "items": args.items,
            "answers": args.answers,
            "clients": args.clients,
            "repeat": repeat,
            "rows": rows,
            "ours_runs": ours_runs,
            "label_studio_runs": theirs_runs,
            "round_trip": reports,
        }
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    failed = [r["project"] for r in reports if not round_trip_ok(r)]
    if failed:
        raise SystemExit(f"round trip incomplete for {', '.join(failed)} (see above)")


if __name__ == "__main__":
    main()
