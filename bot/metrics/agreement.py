"""Inter-annotator agreement on completed items: raw agreement and chance-corrected kappas.

Every coefficient returns a `Coefficient`, whose `value` is None with a human-readable
`reason` when the statistic is undefined for the data, so a digest can say why it shows "n/a".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import fmean

from bot.metrics.records import Units


@dataclass(frozen=True)
class Coefficient:
    """An agreement statistic over `items` items, or None and the reason it is undefined.

    `observed` and `expected` are the observed and chance agreement behind a kappa.
    """

    value: float | None
    reason: str | None = None
    items: int = 0
    observed: float | None = None
    expected: float | None = None


@dataclass(frozen=True)
class PairwiseKappa:
    """The mean of Cohen's kappa over annotator pairs, with each pair's own kappa."""

    value: float | None
    reason: str | None = None
    by_pair: Mapping[tuple[str, str], float] = field(default_factory=dict)


def percent_agreement(units: Units) -> Coefficient:
    """Mean over items (with two or more answers) of the share of annotator pairs that agree.

    With answers a, a, b an item scores 1/3 (one agreeing pair out of three). This is the
    observed agreement P-bar of Fleiss' kappa, but defined for any number of answers per item.
    """
    per_item = (_pair_agreement(list(ratings.values())) for ratings in units.values())
    shares = [share for share in per_item if share is not None]
    if not shares:
        return Coefficient(None, "no item has answers from two or more annotators")
    return Coefficient(fmean(shares), items=len(shares))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> Coefficient:
    """Cohen's kappa for two raters; `a[i]` and `b[i]` are their answers on the same item i.

    Chance agreement comes from each rater's own label frequencies (Cohen 1960).
    """
    if len(a) != len(b):
        raise ValueError(f"ratings must pair up item by item, got {len(a)} and {len(b)}")
    n = len(a)
    if n == 0:
        return Coefficient(None, "the two annotators share no items")
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    counts_a, counts_b = Counter(a), Counter(b)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (n * n)
    if expected >= 1.0:
        return Coefficient(
            None, "both annotators gave one and the same label to every item", n, observed, expected
        )
    return Coefficient((observed - expected) / (1 - expected), None, n, observed, expected)


def mean_pairwise_cohen_kappa(units: Units, min_shared: int = 5) -> PairwiseKappa:
    """Cohen's kappa averaged over every annotator pair that shares at least `min_shared` items.

    Pairs with few shared items give noisy kappas, and pairs whose kappa is undefined are skipped.
    """
    annotators = sorted({annotator for ratings in units.values() for annotator in ratings})
    by_pair: dict[tuple[str, str], float] = {}
    eligible = 0
    for first, second in combinations(annotators, 2):
        shared = [r for r in units.values() if first in r and second in r]
        if len(shared) < min_shared:
            continue
        eligible += 1
        kappa = cohen_kappa([r[first] for r in shared], [r[second] for r in shared])
        if kappa.value is not None:
            by_pair[(first, second)] = kappa.value
    if not by_pair:
        reason = (
            f"no pair of annotators shares {min_shared} or more items"
            if eligible == 0
            else "kappa is undefined for every pair (each used a single label)"
        )
        return PairwiseKappa(None, reason)
    return PairwiseKappa(fmean(by_pair.values()), None, by_pair)


def fleiss_kappa(units: Units) -> Coefficient:
    """Fleiss' kappa (1971): agreement beyond chance for a fixed number of answers per item.

    Who gave the answers does not matter, but every item needs the same number of them;
    otherwise the value is None (use Krippendorff's alpha, which allows missing answers).
    """
    tallies = [Counter(ratings.values()) for ratings in units.values() if ratings]
    if not tallies:
        return Coefficient(None, "no answered items")
    sizes = {sum(tally.values()) for tally in tallies}
    if len(sizes) > 1:
        return Coefficient(
            None,
            f"items have differing numbers of answers ({min(sizes)} to {max(sizes)}); "
            "Fleiss' kappa needs the same number on every item",
        )
    n = sizes.pop()
    if n < 2:
        return Coefficient(None, "items have fewer than two answers each")
    items = len(tallies)
    totals: Counter[str] = Counter()
    for tally in tallies:
        totals.update(tally)
    observed = fmean((sum(c * c for c in tally.values()) - n) / (n * (n - 1)) for tally in tallies)
    expected = sum((total / (items * n)) ** 2 for total in totals.values())
    if expected >= 1.0:
        return Coefficient(
            None, "every answer has the same label, so chance agreement is total", items
        )
    kappa = (observed - expected) / (1 - expected)
    return Coefficient(kappa, None, items, observed, expected)


def _pair_agreement(values: Sequence[str]) -> float | None:
    n = len(values)
    if n < 2:
        return None
    agreeing = sum(c * (c - 1) for c in Counter(values).values())
    return agreeing / (n * (n - 1))
