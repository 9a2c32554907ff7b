"""Import and export throughput on a synthetic project, through the real code paths.

    .venv/bin/python bench/bench_import_export.py              # 1,000,000 items, SQLite
    .venv/bin/python bench/bench_import_export.py --items 50000 --repeat 3

Each run uses a fresh SQLite database in a temporary directory: it writes a JSON Lines file of
N items (not timed), imports it with `bot.dataio.item_import.import_items` (timed), adds one
annotation per item with a bulk Core insert (not timed), then exports every item with its
annotations as JSON Lines with `bot.dataio.export.export_project` in a read-only snapshot, as
the CLI does (timed), and checks that every exported item carries its annotation. Peak RSS is
the kernel's high-water mark (VmHWM), reset before each timed phase. CPU seconds are reported
next to wall-clock seconds because the machine is shared: CPU time is what this process did,
wall time includes waiting for other people's work. Results: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from storage.projects import project_named

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.dataio.export import export_project  # noqa: E402
from bot.dataio.formats import ExportFormat  # noqa: E402
from bot.dataio.item_import import import_items  # noqa: E402
from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, resolve_guidelines  # noqa: E402
from bot.projects.sync import sync_project  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, read_only, unit_of_work  # noqa: E402
from storage.models import Annotation, AnnotationSource, Item  # noqa: E402

LABELS = ["positive", "neutral", "negative"]
SPEC = {
    "slug": "bench",
    "title": "Benchmark",
    "guidelines": {"text": "## positive\nHappy.\n", "version": "v1"},
    "task": {"kind": "single_choice", "choices": [{"value": v, "text": v.title()} for v in LABELS]},
    "display": {"fields": [{"key": "text"}], "metadata": ["product", "stars"]},
    "slack": {"leads": ["U0LEAD0001"]},
}


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> None:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def write_items(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            row = {
                "id": f"item-{n:07d}",
                "text": f"Review number {n}: the product arrived on time and works as described.",
                "product": f"product-{n % 97}",
                "stars": n % 5 + 1,
                "prediction": LABELS[n % 3],
                "score": round((n % 100) / 100, 2),
            }
            out.write(json.dumps(row) + "\n")


def add_annotations(factory: object, project_id: int) -> None:
    now = datetime.now(UTC)
    with unit_of_work(factory) as session:  # type: ignore[arg-type]
        after = 0
        while True:
            ids = session.scalars(
                select(Item.id).where(Item.id > after).order_by(Item.id).limit(20_000)
            ).all()
            if not ids:
                return
            rows = [
                {
                    "item_id": item_id,
                    "project_id": project_id,
                    "annotator": "U0BENCH001",
                    "value": LABELS[item_id % 3],
                    "seconds": 3.5,
                    "source": AnnotationSource.IMPORT,
                    "created_at": now,
                    "guideline_version": "v1",
                }
                for item_id in ids
            ]
            session.execute(insert(Annotation), rows)
            after = ids[-1]


Phase = tuple[float, float, float]  # wall seconds, CPU seconds, peak RSS MB


def _timed(work: Callable[[], object]) -> tuple[object, Phase]:
    reset_peak_rss()
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu, peak_rss_mb())


def run_once(count: int, workdir: Path) -> tuple[Phase, Phase]:
    url = f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    spec = ProjectSpec.model_validate(SPEC)
    loaded = LoadedProject(Path("bench.yml"), spec, resolve_guidelines(spec, workdir))
    with unit_of_work(factory) as session:
        sync_project(session, loaded)
    source, target = workdir / "items.jsonl", workdir / "export.jsonl"
    write_items(source, count)

    def import_file() -> int:
        with unit_of_work(factory) as session:
            return import_items(session, project_named(session, "bench"), source).inserted

    def export_file() -> int:
        with read_only(factory) as session, target.open("w", encoding="utf-8") as out:
            return export_project(session, project_named(session, "bench"), ExportFormat.JSONL, out)

    inserted, import_phase = _timed(import_file)
    assert inserted == count, inserted
    with unit_of_work(factory) as session:
        project_id = project_named(session, "bench").id
    add_annotations(factory, project_id)
    written, export_phase = _timed(export_file)
    assert written == count, written
    with target.open(encoding="utf-8") as lines:
        assert all(len(json.loads(line)["annotations"]) == 1 for line in lines)
    engine.dispose()
    return import_phase, export_phase


def _describe(items: int, imp: Phase, exp: Phase) -> str:
    return (
        f"import {imp[0]:6.1f} s (CPU {imp[1]:.1f} s, {items / imp[0]:,.0f} items/s, peak RSS "
        f"{imp[2]:,.0f} MB) | export {exp[0]:6.1f} s (CPU {exp[1]:.1f} s, "
        f"{items / exp[0]:,.0f} items/s, peak RSS {exp[2]:,.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    imports: list[Phase] = []
    exports: list[Phase] = []
    for run in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-io-") as tmp:
            imp, exp = run_once(args.items, Path(tmp))
        imports.append(imp)
        exports.append(exp)
        load = os.getloadavg()[0]
        print(f"run {run + 1}: {_describe(args.items, imp, exp)} | load {load:.2f}", flush=True)
    if args.repeat > 1:

        def median(phases: list[Phase]) -> Phase:
            wall, cpu, rss = (statistics.median(column) for column in zip(*phases, strict=True))
            return wall, cpu, rss

        print(f"median: {_describe(args.items, median(imports), median(exports))}")


if __name__ == "__main__":
    main()
