"""Hugging Face `datasets` feature types, described once and written the two ways `datasets`
reads them: the JSON in a Parquet file's `huggingface` schema metadata (what
`load_dataset("parquet", ...)` uses) and the `dataset_info.features` list of a dataset card.

Arrow has no class-label type: a ClassLabel is stored as int64 and only these descriptions
give its names, so both must match the Arrow schema exactly or `datasets` ignores them (the
file) or fails to cast (the card). The forms follow `datasets.Features.to_dict` and
`Features._to_yaml_list`, checked against the installed `datasets` by
tests/test_parquet_export.py. Lists are written as `[feature]`, the older spelling that
`datasets` still reads, rather than `List`, which only `datasets` 4 and later know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STRING = "string"
BOOL = "bool"
FLOAT = "float64"
UTC_TIME = "timestamp[us, tz=UTC]"


@dataclass(frozen=True)
class Value:
    dtype: str


@dataclass(frozen=True)
class ClassLabel:
    """Labels stored as their index into `names`."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    feature: Feature


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, Feature], ...]


Feature = Value | ClassLabel | ListOf | Struct
Columns = tuple[tuple[str, Feature], ...]


def to_json(feature: Feature) -> Any:
    """The feature as `Features.to_dict()` writes it."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype, "_type": "Value"}
    if isinstance(feature, ClassLabel):
        return {"names": list(feature.names), "_type": "ClassLabel"}
    if isinstance(feature, ListOf):
        return [to_json(feature.feature)]
    return {name: to_json(inner) for name, inner in feature.fields}


def schema_metadata(columns: Columns) -> dict[str, Any]:
    """The value of the Parquet schema metadata key `huggingface`."""
    return {"info": {"features": {name: to_json(feature) for name, feature in columns}}}


def _yaml(feature: Feature) -> dict[str, Any]:
    if isinstance(feature, Value):
        return {"dtype": feature.dtype}
    if isinstance(feature, ClassLabel):
        # The Hub wants string keys: {'0': first, '1': second, ...}
        names = {str(index): name for index, name in enumerate(feature.names)}
        return {"dtype": {"class_label": {"names": names}}}
    if isinstance(feature, ListOf):
        inner = _yaml(feature.feature)
        only = next(iter(inner)) if len(inner) == 1 else None
        return {"list": inner[only] if only in ("dtype", "struct") else inner}
    return {"struct": [{"name": name, **_yaml(inner)} for name, inner in feature.fields]}


def card_features(columns: Columns) -> list[dict[str, Any]]:
    """The dataset card's `dataset_info.features` list."""
    return [{"name": name, **_yaml(feature)} for name, feature in columns]
