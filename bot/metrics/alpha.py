"""Krippendorff's alpha: agreement beyond chance that tolerates missing answers and any number
of annotators, at nominal, ordinal or interval level (computed by the `krippendorff` package)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import krippendorff
import numpy as np

from bot.domain.consensus import answer_key
from bot.metrics.agreement import Coefficient
from bot.metrics.records import Units

Level = Literal["nominal", "ordinal", "interval"]


def krippendorff_alpha(
    units: Units, level: Level = "nominal", value_order: Sequence[str] | None = None
) -> Coefficient:
    """Alpha over the items that at least two annotators answered (others carry no information).

    Nominal labels are mapped to integer codes. Ordinal and interval levels need numbers: the
    answer keys are read as numeric ratings, or, given `value_order` (answer keys from lowest
    to highest, compared as answer keys), each label's position in it is used as its rating.
    """
    coders = sorted({annotator for ratings in units.values() for annotator in ratings})
    if len(coders) < 2:
        return Coefficient(None, "fewer than two annotators")
    pairable = [ratings for ratings in units.values() if len(ratings) >= 2]
    if not pairable:
        return Coefficient(None, "no item has answers from two or more annotators")
    keys = sorted({key for ratings in pairable for key in ratings.values()})
    if len(keys) < 2:
        return Coefficient(
            None, "every answer has the same value, so there is no variation to compare against"
        )
    codes = _codes(keys, level, value_order)
    if isinstance(codes, str):
        return Coefficient(None, codes)
    data = np.full((len(coders), len(pairable)), np.nan)
    row = {coder: index for index, coder in enumerate(coders)}
    for column, ratings in enumerate(pairable):
        for annotator, key in ratings.items():
            data[row[annotator], column] = codes[key]
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    if math.isnan(value):
        return Coefficient(None, "expected disagreement is zero", len(pairable))
    return Coefficient(value, None, len(pairable))


def _codes(
    keys: Sequence[str], level: Level, value_order: Sequence[str] | None
) -> Mapping[str, float] | str:
    """Each answer key's number, or the reason the answers cannot be given numbers."""
    if level == "nominal":
        return {key: float(index) for index, key in enumerate(keys)}
    if value_order is not None:
        position = {answer_key(label): float(index) for index, label in enumerate(value_order)}
        missing = [key for key in keys if key not in position]
        if missing:
            return f"answers {missing} are not in the given value order"
        return {key: position[key] for key in keys}
    numbers: dict[str, float] = {}
    for key in keys:
        try:
            numbers[key] = float(key)
        except ValueError:
            return f"{level} alpha needs numeric ratings or a value order; got {key!r}"
    return numbers
