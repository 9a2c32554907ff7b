"""Run every benchmark, one after the other, and print one summary table.

    .venv/bin/python bench/run_all.py            # full sizes (about 15-25 min on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # smaller sizes (a few minutes)
    scripts/bench --quick                        # the same, through scripts/bench

Runs each bench as a subprocess (its output streamed, indented) and reads its figures back
(`--json` where the bench has it, else its printed lines):

- import/export of 1M items on SQLite (`bench_import_export.py`; 100k with --quick),
- label clicks (1M answers stored) on SQLite, then on PostgreSQL, with 1 and 2 gunicorn
  processes, and the
  gunicorn worker's peak RSS (VmHWM) under that load (`bench_labeling.py`); PostgreSQL is
  `--database-url` (default the local `bench` database, created with `createdb` if missing;
  its public schema is dropped and recreated) and is skipped with a note if not reachable,
- stats and digests at 1M answers (`bench_stats.py`; 100k with --quick),
- the side-by-side comparison with Label Studio (`bench_peer_label_studio.py`) when
  /tmp/ls/venv exists or `--label-studio-venv` is given.

Exits non-zero if any bench failed; the table says which.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
DEFAULT_LS_VENV = Path("/tmp/ls/venv")

Row = tuple[str, str, str]  # bench, figure, value


def run_bench(script: str, args: list[str]) -> tuple[int, str]:
    """Run `bench/<script>` with this interpreter, echoing its output; return (code, output)."""
    command = [sys.executable, str(BENCH / script), *args]
    print(f"\n== {' '.join([script, *args])}", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        print("   " + line, end="", flush=True)
    code = proc.wait()
    print(f"   ({script} exit {code}, {time.monotonic() - started:.0f} s)", flush=True)
    return code, "".join(lines)


def failed(bench: str, code: int, output: str) -> list[Row]:
    last = output.strip().splitlines()[-1:] or [""]
    return [(bench, "FAILED", f"exit {code}: {last[0][:80]}")]


def import_export(items: int) -> list[Row]:
    bench = f"import/export {items:,} (SQLite)"
    code, output = run_bench("bench_import_export.py", ["--items", str(items)])
    number = r"([\d.,]+)"
    pattern = (
        rf"import\s+{number} s \(CPU {number} s, {number} items/s, peak RSS {number} MB\) \| "
        rf"export\s+{number} s \(CPU {number} s, {number} items/s, peak RSS {number} MB\)"
    )
    match = re.search(pattern, output)
    if code or match is None:
        return failed(bench, code, output)
    imp_s, _, imp_rate, imp_rss, exp_s, _, exp_rate, exp_rss = match.groups()
    return [
        (bench, "import", f"{imp_s} s ({imp_rate} items/s), peak RSS {imp_rss} MB"),
        (bench, "export", f"{exp_s} s ({exp_rate} items/s), peak RSS {exp_rss} MB"),
    ]


def labeling(database: str, extra: list[str], workdir: Path) -> list[Row]:
    target = workdir / f"labeling-{database}.json"
    code, output = run_bench("bench_labeling.py", [*extra, "--json", str(target)])
    if code or not target.exists():
        return failed(f"label clicks ({database})", code, output)
    result = json.loads(target.read_text(encoding="utf-8"))
    bench = (
        f"label clicks, {result['items']:,} items + {result['answers']:,} answers, "
        f"{result['clients']} clients, {result['statements_per_click']:.1f} statements/click "
        f"({database})"
    )
    rows = []
    for r in result["rows"]:
        ok = r["stored"] == r["expected"] and not r["doubled"] and not r["non_200"]
        rows.append(
            (
                bench,
                f"{r['workers']} process(es)",
                f"{r['answers_per_s']:.0f} answers/s, ack p50 {r['p50_ms']:.0f} ms / "
                f"p99 {r['p99_ms']:.0f} ms, worker CPU {r['worker_cpu_ms_per_click']:.2f} "
                f"ms/click, worker peak RSS {r['worker_mb']:.0f} MB"
                + ("" if ok else f", CHECK FAILED ({r['stored']}/{r['expected']} stored)"),
            )
        )
    return rows


def stats(answers: int, repeat: int, workdir: Path) -> list[Row]:
    bench = f"stats/digest, {answers:,} answers (SQLite)"
    target = workdir / "stats.json"
    args = ["--answers", str(answers), "--repeat", str(repeat), "--json", str(target)]
    code, output = run_bench("bench_stats.py", args)
    if code or not target.exists():
        return failed(bench, code, output)
    medians = json.loads(target.read_text(encoding="utf-8"))["medians_s"]
    return [
        (bench, name, f"{seconds:.2f} s (median of {repeat})") for name, seconds in medians.items()
    ]


def peer(venv: Path, extra: list[str], workdir: Path) -> list[Row]:
    target = workdir / "peer.json"
    args = ["--label-studio-venv", str(venv), *extra, "--json", str(target)]
    code, output = run_bench("bench_peer_label_studio.py", args)
    if code or not target.exists():
        return failed("vs Label Studio", code, output)
    result = json.loads(target.read_text(encoding="utf-8"))
    bench = f"vs Label Studio {result['label_studio_version']} (SQLite)"
    return [
        (
            bench,
            row["metric"],
            f"ours {row['ours']:.2f}, LS {row['label_studio']:.2f}: ours {row['advantage']:.1f}x",
        )
        for row in result["rows"]
    ]


def ensure_database(url: str) -> str | None:
    """Create the PostgreSQL database if missing; None when ready, else why it is skipped."""
    parts = urllib.parse.urlsplit(url.replace("+psycopg", ""))
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 5432)
    user, name = parts.username or "postgres", parts.path.lstrip("/")
    if shutil.which("pg_isready") is None or shutil.which("createdb") is None:
        return "pg_isready/createdb not installed"
    ready = subprocess.run(["pg_isready", "-h", host, "-p", port], capture_output=True)
    if ready.returncode:
        return f"no PostgreSQL at {host}:{port}"
    created = subprocess.run(
        ["createdb", "-h", host, "-p", port, "-U", user, name], capture_output=True, text=True
    )
    if created.returncode and "already exists" not in created.stderr:
        return f"createdb {name}: {created.stderr.strip()}"
    return None


def print_table(rows: list[Row]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    print("\n" + "=" * 100)
    print(f"{'bench':<{widths[0]}}  {'figure':<{widths[1]}}  value")
    last = None
    for bench, figure, value in rows:
        shown = bench if bench != last else ""
        print(f"{shown:<{widths[0]}}  {figure:<{widths[1]}}  {value}")
        last = bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL for label clicks")
    parser.add_argument("--label-studio-venv", type=Path, default=None)
    args = parser.parse_args()
    quick = args.quick
    venv = args.label_studio_venv or (DEFAULT_LS_VENV if DEFAULT_LS_VENV.exists() else None)
    click_sizes = ["--items", "20000", "--answers", "60000", "--clicks", "400"] if quick else []
    load_before = os.getloadavg()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        workdir = Path(tmp)
        steps: list[Callable[[], list[Row]]] = [
            lambda: import_export(100_000 if quick else 1_000_000),
            lambda: labeling("sqlite", click_sizes, workdir),
        ]
        skip = ensure_database(args.database_url)
        if skip is None:
            pg_args = [*click_sizes, "--database-url", args.database_url]
            steps.append(lambda: labeling("postgresql", pg_args, workdir))
        else:
            rows.append(("label clicks (postgresql)", "skipped", skip))
        steps.append(lambda: stats(100_000 if quick else 1_000_000, 3 if quick else 5, workdir))
        if venv is not None:
            peer_sizes = ["--items", "2000", "--answers", "100", "--next", "50"] if quick else []
            steps.append(lambda: peer(venv, peer_sizes, workdir))
        else:
            rows.append(("vs Label Studio", "skipped", "no /tmp/ls/venv; pass --label-studio-venv"))
        for step in steps:
            rows.extend(step())
    load_after = os.getloadavg()
    rows.append(
        (
            "machine",
            "load average (1/5/15 min)",
            f"before {' / '.join(f'{x:.2f}' for x in load_before)}, "
            f"after {' / '.join(f'{x:.2f}' for x in load_after)}, {os.cpu_count()} CPUs",
        )
    )
    print_table(rows)
    if any(figure == "FAILED" for _, figure, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
