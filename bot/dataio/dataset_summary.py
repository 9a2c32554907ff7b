"""What a dataset export wrote, counted as the rows went by: split sizes, labels per split,
how labels were decided, who answered under which guidelines. The card states it and the
command reports it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.dataio.splits import SplitPlan


@dataclass
class SplitTally:
    """What went into one split: rows, undecided rows, and items per label."""

    rows: int = 0
    undecided: int = 0
    labels: Counter[str] = field(default_factory=Counter)


@dataclass
class DatasetSummary:
    """What an export wrote, counted as the rows went by: for the card and the command."""

    plan: SplitPlan
    splits: dict[str, SplitTally]
    #: Free text has as many labels as items: only choices are counted one by one.
    per_label: bool = True
    methods: Counter[str | None] = field(default_factory=Counter)
    annotators: set[str] = field(default_factory=set)
    answer_versions: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.splits.values())

    @property
    def written(self) -> list[str]:
        """Splits that got items, in the plan's order; an empty split gets no file, as
        `datasets` cannot load one."""
        return [name for name in self.plan.names if self.splits[name].rows]

    def count(self, split: str, record: dict[str, Any]) -> None:
        tally = self.splits[split]
        tally.rows += 1
        label = record["final_label"]
        if label is None:
            tally.undecided += 1
        elif self.per_label:
            tally.labels.update(label if isinstance(label, list) else [label])
        self.methods[record["final_method"]] += 1
        for answer in record["annotations"]:
            if not answer["superseded"]:
                self.annotators.add(answer["annotator"])
                self.answer_versions[answer["guideline_version"] or "not recorded"] += 1
