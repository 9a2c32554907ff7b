"""Stats and digest computation over a large project on SQLite.

    .venv/bin/python bench/bench_stats.py                      # 1,000,000 answers, 5 runs each
    .venv/bin/python bench/bench_stats.py --answers 100000 --repeat 3
    .venv/bin/python bench/bench_stats.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Seeds a fresh database (not timed) with one project: ANSWERS / 3 items, three answers each
from 30 annotators spread over 30 days, 70% of items complete (with an adjudicated label on
1 in 20), 5% gold items, open reviews, edge cases and guideline feedback. Then times, in a
fresh read-only session each run: `compute_stats` + `stats_json` (what `stats --json` does),
the daily digest computation with its PNG chart, and the weekly summary. Prints the medians;
`--json PATH` also writes them, with every run, to a file.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, resolve_guidelines  # noqa: E402
from bot.projects.sync import sync_project  # noqa: E402
from bot.reports.digest import daily_digest, weekly_digest  # noqa: E402
from bot.reports.stats import compute_stats  # noqa: E402
from bot.views.stats_json import stats_json  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, read_only, unit_of_work  # noqa: E402
from storage.models import (  # noqa: E402
    Annotation,
    EdgeCase,
    GuidelineFeedback,
    Item,
    Project,
    Review,
)

LABELS = ["positive", "neutral", "negative"]
ANNOTATORS = [f"U0BENCH{n:03d}" for n in range(30)]
SPEC = {
    "slug": "bench",
    "title": "Bench sentiment",
    "guidelines": {"text": "## positive\nHappy.", "version": "v1"},
    "task": {"kind": "single_choice", "choices": [{"value": v, "text": v} for v in LABELS]},
    "display": {"fields": [{"key": "text"}]},
    "overlap": 3,
    "slack": {"leads": ["U0LEAD0001"], "digest_channel": "C0DIGEST01"},
    "deadline": "2030-01-01",
}


def seed(url: str, answers: int, now: datetime) -> int:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(url)
    spec = ProjectSpec.model_validate(SPEC)
    with unit_of_work(make_session_factory(engine)) as session:
        sync_project(session, LoadedProject(Path("b.yml"), spec, resolve_guidelines(spec, ROOT)))
        project_id = int(session.scalars(select(Project.id)).one())
    rng = random.Random(1)
    items = answers // 3
    with engine.begin() as conn:
        for start in range(1, items + 1, 10_000):
            ids = range(start, min(items, start + 9_999) + 1)
            item_rows, answer_rows = [], []
            for i in ids:
                truth = LABELS[i % 3]
                complete = i % 10 < 7
                gold = i % 20 == 0
                adjudicated = complete and i % 20 == 1
                created = now - timedelta(days=30) + timedelta(seconds=i * 2_592_000 // items)
                item_rows.append(
                    {
                        "id": i,
                        "project_id": project_id,
                        "external_id": f"e{i}",
                        "data": {"text": f"review {i}"},
                        "source": "bench",
                        "priority": 0,
                        "required_answers": 3,
                        "answer_count": 3 if complete else 2,
                        "is_gold": gold,
                        "gold_answer": truth if gold else None,
                        "status": "complete" if complete else "open",
                        "final_label": truth if complete else None,
                        "final_method": ("adjudicated" if adjudicated else "consensus")
                        if complete
                        else None,
                        "created_at": created,
                        "completed_at": created + timedelta(hours=2) if complete else None,
                    }
                )
                for k in range(3):
                    value = truth if rng.random() < 0.8 else rng.choice(LABELS)
                    answer_rows.append(
                        {
                            "item_id": i,
                            "project_id": project_id,
                            "annotator": ANNOTATORS[(i * 7 + k) % 30],
                            "value": value,
                            "unsure": rng.random() < 0.02,
                            "guideline_version": "v1",
                            "seconds": round(rng.uniform(2, 40), 1),
                            "source": "import",
                            "created_at": created + timedelta(minutes=10 * k),
                        }
                    )
            conn.execute(insert(Item), item_rows)
            conn.execute(insert(Annotation), answer_rows)
        conn.execute(
            insert(Review),
            [
                {
                    "item_id": i,
                    "project_id": project_id,
                    "reason": "disagreement",
                    "status": "open",
                    "created_at": now - timedelta(hours=i % 48),
                }
                for i in range(9, min(items, 2_000), 10)
            ],
        )
        conn.execute(
            insert(EdgeCase),
            [
                {
                    "item_id": i,
                    "project_id": project_id,
                    "what_makes_it_hard": f"sarcasm {i}",
                    "marked_by": ANNOTATORS[0],
                    "created_at": now - timedelta(days=i % 14),
                }
                for i in range(1, 50)
            ],
        )
        conn.execute(
            insert(GuidelineFeedback),
            [
                {
                    "project_id": project_id,
                    "author": ANNOTATORS[1],
                    "text": f"clarify {i}",
                    "guideline_version": "v1",
                    "created_at": now - timedelta(days=i % 14),
                }
                for i in range(1, 20)
            ],
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return project_id


def timed(label: str, repeat: int, fn: Callable[[], object]) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    print(f"{label:<28} median {median:6.2f} s   runs: " + " / ".join(f"{r:.2f}" for r in runs))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", type=Path, help="also write the timings to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(url, args.answers, now)
        print(f"seeded {args.answers:,} answers in {time.perf_counter() - started:.1f} s ({url})")
        engine = make_engine(url)
        sessions = make_session_factory(engine)

        def run(work: Callable[..., object]) -> Callable[[], object]:
            def once() -> object:
                with read_only(sessions) as session:
                    project = session.scalars(select(Project)).one()
                    return work(session, project, now)

            return once

        runs = {
            "stats --json": timed(
                "stats --json", args.repeat, run(lambda s, p, n: stats_json(compute_stats(s, p, n)))
            ),
            "daily digest": timed("daily digest (with chart)", args.repeat, run(daily_digest)),
            "weekly summary": timed("weekly summary", args.repeat, run(weekly_digest)),
        }
        engine.dispose()
    if args.json:
        result = {
            "answers": args.answers,
            "medians_s": {name: statistics.median(times) for name, times in runs.items()},
            "runs_s": runs,
        }
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
