"""Label quality per review policy: a simulated crowd with known accuracies labels items of
known truth through the real answer path, and each policy's final labels are scored.

    .venv/bin/python bench/bench_quality.py                    # 2,000 items, 5 seeds, 3 policies
    .venv/bin/python bench/bench_quality.py --items 500 --seeds 1   # a quick run

The crowd: five honest annotators of accuracy 0.95, 0.90, 0.85, 0.80 and 0.70 (a wrong answer
is one of the other labels at random) and a spammer who always clicks the first button; three
labels; 2% gold items (gold rate 0.05). Annotators take turns at random, one answer each, each
asking for their next card (`prepare_next`, which refuses quarantined people) and answering it
(`answer_card`), one transaction per click, on a SQLite file. The weighted model is refitted
every `--refit-every` answers with the scheduler's own job (`refit_project`): the scheduler
refits every minute, and a minute of six people labeling is about 60 answers.

Policies (overlap 3 everywhere):
  a  majority: fixed overlap 3, any disagreement goes to review (threshold 1.0)
  b  dawid_skene: fixed overlap 3 (max_overlap 3), confidence 0.99, quarantine below 0.5
  c  adaptive: dawid_skene, max_overlap 6, confidence 0.99, quarantine below 0.5

Per policy: final-label accuracy on non-gold items (items a lead had to settle, in review or
left without enough people to ask, count as resolved correctly, and as reviewed), the share
reviewed, mean sure answers per item, the spammer's answers when quarantined, and whether an
honest annotator of accuracy >= 0.8 was quarantined. Medians over the seeds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.projects import project_named

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.domain import labeling  # noqa: E402
from bot.domain.access import StaticDirectory  # noqa: E402
from bot.flows.consensus_upkeep import refit_project  # noqa: E402
from bot.flows.labeling import prepare_next  # noqa: E402
from bot.projects.loader import LoadedProject  # noqa: E402
from bot.projects.spec import ProjectSpec, resolve_guidelines  # noqa: E402
from bot.projects.sync import sync_project  # noqa: E402
from bot.runtime.config import Settings  # noqa: E402
from bot.runtime.services import Services  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory, unit_of_work  # noqa: E402
from storage.models import (  # noqa: E402
    Annotation,
    GuidelineAck,
    Item,
    ItemStatus,
    Quarantine,
    Review,
)

LABELS = ["positive", "neutral", "negative"]
HONEST = {"U0ACC95": 0.95, "U0ACC90": 0.90, "U0ACC85": 0.85, "U0ACC80": 0.80, "U0ACC70": 0.70}
SPAMMER = "U0SPAM"
GOLD_SHARE = 0.02


def policies() -> dict[str, dict[str, Any]]:
    quarantine = {"quarantine_below": 0.5, "quarantine_min_answers": 30}
    return {
        "a majority, overlap 3": {"review": {"agreement_threshold": 1.0}},
        "b dawid_skene, overlap 3": {
            "consensus": {"method": "dawid_skene", "confidence": 0.99},
            "quality": quarantine,
        },
        "c adaptive 3..6": {
            "max_overlap": 6,
            "consensus": {"method": "dawid_skene", "confidence": 0.99},
            "quality": quarantine,
        },
    }


def spec_for(overrides: dict[str, Any]) -> ProjectSpec:
    return ProjectSpec.model_validate(
        {
            "slug": "quality",
            "title": "Quality bench",
            "guidelines": {"text": "## positive\n## neutral\n## negative\n", "version": "v1"},
            "task": {
                "kind": "single_choice",
                "choices": [{"value": v, "text": v.title()} for v in LABELS],
            },
            "display": {"fields": [{"key": "text"}]},
            "overlap": 3,
            "gold": {"rate": 0.05, "feedback": False},
            "slack": {"leads": ["U0LEAD"]},
            **overrides,
        }
    )


def answer_of(annotator: str, truth: str, rng: random.Random) -> str:
    if annotator == SPAMMER:
        return LABELS[0]
    if rng.random() < HONEST[annotator]:
        return truth
    return rng.choice([label for label in LABELS if label != truth])


@dataclass(frozen=True)
class Outcome:
    accuracy: float
    reviewed: float
    left_open: float  # part of `reviewed`: undecided with nobody left to ask
    answers_per_item: float
    spammer_quarantined_at: int | None
    honest_quarantined: list[str]
    seconds: float


def run(policy: dict[str, Any], items: int, seed: int, refit_every: int) -> Outcome:
    rng = random.Random(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'quality.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        spec = spec_for(policy)
        people = [*HONEST, SPAMMER]
        clock = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
        services = Services(
            settings=Settings(database_url=url),  # type: ignore[call-arg]
            sessions=sessions,
            client=None,  # type: ignore[arg-type]
            directory=StaticDirectory(),
            rng=random.Random(seed + 1),
            clock=lambda: clock[0],
        )
        truth: dict[int, str] = {}
        gold_ids: set[int] = set()
        with unit_of_work(sessions) as session:
            guidelines = resolve_guidelines(spec, Path("."))
            sync_project(session, LoadedProject(Path("quality.yml"), spec, guidelines))
            project = project_named(session, spec.slug)
            for n in range(items):
                label = rng.choice(LABELS)
                gold = rng.random() < GOLD_SHARE
                item = Item(
                    project_id=project.id,
                    external_id=f"q{n}",
                    data={"text": f"item {n}"},
                    required_answers=spec.overlap,
                    is_gold=gold,
                    gold_answer=label if gold else None,
                )
                session.add(item)
                session.flush()
                truth[item.id] = label
                if gold:
                    gold_ids.add(item.id)
            for who in people:
                session.add(GuidelineAck(project_id=project.id, user_id=who, version="v1"))
            project_id = project.id
        active = list(people)
        given = 0
        while active:
            who = rng.choice(active)
            clock[0] += timedelta(seconds=1)
            with unit_of_work(sessions) as session:
                project = project_named(session, spec.slug)
                step = prepare_next(session, services, project, who)
                if step.kind != "item" or step.item is None or step.lease_id is None:
                    active.remove(who)
                    continue
                value = answer_of(who, truth[step.item.id], rng)
                labeling.answer_card(
                    session,
                    who,
                    project_id=project_id,
                    lease_id=step.lease_id,
                    value=value,
                    now=clock[0],
                    rng=services.rng,
                )
            given += 1
            if spec.consensus.method == "dawid_skene" and given % refit_every == 0:
                refit_project(services, project_id, force=True)
        with unit_of_work(sessions) as session:
            outcome = score(session, truth, gold_ids, spec, started)
        engine.dispose()
    return outcome


def score(
    session: Any, truth: dict[int, str], gold_ids: set[int], spec: ProjectSpec, started: float
) -> Outcome:
    reviewed_ids = set(session.scalars(select(Review.item_id)))
    correct = reviewed = left_open = 0
    scored = [item_id for item_id in truth if item_id not in gold_ids]
    rows = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(scored)))}
    for item_id in scored:
        item = rows[item_id]
        if item.status is ItemStatus.COMPLETE:
            correct += item.final_label == truth[item_id]
            reviewed += item_id in reviewed_ids
        else:  # in review, or open with nobody left to ask: a lead settles it
            correct += 1
            reviewed += 1
            left_open += item.status is ItemStatus.OPEN
    answers = session.scalar(
        select(func.count()).where(
            Annotation.item_id.in_(scored),
            Annotation.superseded_at.is_(None),
            Annotation.unsure.is_(False),
        )
    )
    held = {q.annotator: q.answers for q in session.scalars(select(Quarantine))}
    return Outcome(
        accuracy=correct / len(scored),
        reviewed=reviewed / len(scored),
        left_open=left_open / len(scored),
        answers_per_item=(answers or 0) / len(scored),
        spammer_quarantined_at=held.get(SPAMMER),
        honest_quarantined=sorted(w for w in held if w != SPAMMER and HONEST[w] >= 0.8),
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--refit-every", type=int, default=60)
    parser.add_argument("--policy", choices=["a", "b", "c"], action="append")
    args = parser.parse_args()
    chosen = {k: v for k, v in policies().items() if not args.policy or k[0] in args.policy}
    print(f"{args.items} items, seeds 1..{args.seeds}, refit every {args.refit_every} answers")
    header = (
        f"{'policy':<26} {'correct':>8} {'reviewed':>9} {'answers/item':>13} "
        f"{'spammer held at':>16} {'honest held':>12} {'s/run':>6}"
    )
    print(header)
    for name, policy in chosen.items():
        runs = [
            run(policy, args.items, seed, args.refit_every) for seed in range(1, args.seeds + 1)
        ]
        for seed, outcome in enumerate(runs, 1):
            print(f"  seed {seed}: {describe(outcome)}", file=sys.stderr)
        held = [o.spammer_quarantined_at for o in runs]
        held_text = (
            "never"
            if all(h is None for h in held)
            else f"{statistics.median([h for h in held if h is not None]):.0f} answers"
            + (
                ""
                if all(h is not None for h in held)
                else f" ({sum(h is None for h in held)} never)"
            )
        )
        honest = sum(bool(o.honest_quarantined) for o in runs)
        print(
            f"{name:<26} {statistics.median(o.accuracy for o in runs):>8.2%} "
            f"{statistics.median(o.reviewed for o in runs):>9.1%} "
            f"{statistics.median(o.answers_per_item for o in runs):>13.2f} "
            f"{held_text:>16} {f'{honest} of {len(runs)}':>12} "
            f"{statistics.median(o.seconds for o in runs):>6.0f}",
            flush=True,
        )


def spammer_held(runs: list[Outcome]) -> str:
    """The median number of the spammer's answers at quarantine, and in how many runs never."""
    held = [o.spammer_quarantined_at for o in runs if o.spammer_quarantined_at is not None]
    if not held:
        return "never"
    never = len(runs) - len(held)
    return f"{statistics.median(held):.0f} answers" + (f" ({never} never)" if never else "")


def describe(outcome: Outcome) -> str:
    return (
        f"correct {outcome.accuracy:.2%}, reviewed {outcome.reviewed:.1%} "
        f"({outcome.left_open:.1%} left open), "
        f"{outcome.answers_per_item:.2f} answers/item, spammer held at "
        f"{outcome.spammer_quarantined_at}, honest held {outcome.honest_quarantined}, "
        f"{outcome.seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
