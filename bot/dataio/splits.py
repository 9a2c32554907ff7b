"""Deterministic train/validation/test splits for a dataset export.

An item's place is decided by a 64-bit hash of (seed, external id), never by database ids or
row order, so the same seed gives the same splits on SQLite and PostgreSQL and after a
restore. Items are ranked by that hash (within their stratum when stratifying) and dealt out
so every prefix of the ranking holds each split's share to within one item: the split sizes
are exact, and with `stratify` each label's items are divided in the same proportions.
Undecided items (no label) are a stratum of their own, so they are spread like any label.
"""

from __future__ import annotations

import hashlib
import math
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.domain.consensus import answer_key

#: A split name `datasets` accepts in file names and `load_dataset(split=...)`; "all" there
#: means every split together, so it cannot name one.
SPLIT_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
RESERVED_SPLITS = frozenset({"all"})
UNLABELED = "\0undecided"  # the stratum key of items without a final label; sorts first


@dataclass(frozen=True)
class SplitPlan:
    """Split names in the order given, each with its share of the items (shares sum to 1)."""

    names: tuple[str, ...]
    fractions: tuple[float, ...]

    def __str__(self) -> str:
        return ",".join(f"{n}={f:g}" for n, f in zip(self.names, self.fractions, strict=True))


ONE_SPLIT = SplitPlan(("train",), (1.0,))


def parse_splits(text: str) -> SplitPlan:
    """`train=0.8,validation=0.1,test=0.1` as a plan; ValueError says what is wrong."""
    names: list[str] = []
    fractions: list[float] = []
    for part in text.split(","):
        name, sep, share = (piece.strip() for piece in part.partition("="))
        if not sep or not name or not share:
            raise ValueError(f"--split takes NAME=FRACTION pairs separated by commas, got {part!r}")
        if not SPLIT_NAME.fullmatch(name) or name in RESERVED_SPLITS:
            raise ValueError(
                f"split name {name!r}: use letters, digits and underscores (not `all`), "
                "e.g. train, validation, test"
            )
        if name in names:
            raise ValueError(f"split {name!r} is named twice")
        try:
            fraction = float(share)
        except ValueError:
            raise ValueError(f"split {name!r}: {share!r} is not a number") from None
        if not 0 < fraction <= 1:
            raise ValueError(f"split {name!r}: the fraction must be above 0 and at most 1")
        names.append(name)
        fractions.append(fraction)
    total = math.fsum(fractions)
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"the split fractions must sum to 1, they sum to {total:g}")
    return SplitPlan(tuple(names), tuple(fractions))


def item_hash(seed: int, external_id: str) -> int:
    """A stable 64-bit hash (BLAKE2b): Python's `hash()` changes between processes."""
    digest = hashlib.blake2b(f"{seed}\0{external_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def stratum(label: Any) -> str:
    """The stratum of a final label: the label itself (a multi-choice set as one key)."""
    return UNLABELED if label is None else answer_key(label)


def deal(count: int, fractions: Sequence[float]) -> list[int]:
    """The split index of each of `count` ranked positions: each goes to the split furthest
    below its share so far, so after any prefix of n positions a split holds its share of n
    to within one (ties go to the split named first)."""
    given = [0] * len(fractions)
    order: list[int] = []
    for position in range(1, count + 1):
        pick = max(range(len(fractions)), key=lambda s: fractions[s] * position - given[s])
        given[pick] += 1
        order.append(pick)
    return order


class SplitAssigner:
    """Which split each item goes to, planned from every item's (external id, label).

    Holds two numbers per item (hash and split), so planning a million items takes ~9 MB,
    not the items themselves.
    """

    def __init__(
        self, plan: SplitPlan, seed: int, items: Iterable[tuple[str, Any]], *, stratify: bool
    ) -> None:
        self.plan, self.seed = plan, seed
        hashes = array("Q")
        codes = array("q")
        strata: dict[str, int] = {}
        for external_id, label in items:
            hashes.append(item_hash(seed, external_id))
            codes.append(strata.setdefault(stratum(label) if stratify else "", len(strata)))
        hash_array = np.frombuffer(hashes, dtype=np.uint64)
        # Strata in key order (undecided first), not in order of first appearance.
        rank = np.empty(max(len(strata), 1), dtype=np.int64)
        rank[[strata[k] for k in sorted(strata)]] = np.arange(len(strata))
        ranking = np.lexsort((hash_array, rank[np.frombuffer(codes, dtype=np.int64)]))
        splits = np.empty(len(hashes), dtype=np.int8)
        splits[ranking] = deal(len(hashes), plan.fractions)
        by_hash = np.argsort(hash_array, kind="stable")
        self._hashes = hash_array[by_hash]
        self._splits = splits[by_hash]

    def __len__(self) -> int:
        return len(self._hashes)

    def splits_of(self, external_ids: Sequence[str]) -> list[str]:
        """The split name of each item. An item the plan did not see (added since) falls where
        its hash does on the cumulative shares, so it still has one stable place."""
        wanted = np.array([item_hash(self.seed, e) for e in external_ids], dtype=np.uint64)
        found = np.searchsorted(self._hashes, wanted)
        names = self.plan.names
        result: list[str] = []
        for value, index in zip(wanted.tolist(), found.tolist(), strict=True):
            if index < len(self._hashes) and int(self._hashes[index]) == value:
                result.append(names[int(self._splits[index])])
            else:
                result.append(names[self._fallback(value)])
        return result

    def _fallback(self, value: int) -> int:
        point = value / 2**64
        edge = 0.0
        for index, fraction in enumerate(self.plan.fractions):
            edge += fraction
            if point < edge:
                return index
        return len(self.plan.fractions) - 1
