"""Dotted field paths (`meta.id`): one lookup rule for every reader's `--id-field` and friends.

Prodigy and Label Studio keep ids inside nested objects (`meta`, `data`), so a column name
alone cannot reach them. A key that exists literally wins over the path, so a CSV column
named `meta.id` still means that column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

#: Returned by `lookup` when nothing is at the path (None is a value a record can hold).
MISSING: Final = object()


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """The value at `path` (a literal key first, then `a.b.c` through nested objects), or
    `MISSING`."""
    value = record.get(path, MISSING)
    if value is not MISSING or "." not in path:
        return value
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return MISSING
        current = current.get(part, MISSING)
        if current is MISSING:
            return MISSING
    return current


def value_at(record: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at `path`, or `default` when there is none."""
    value = lookup(record, path)
    return default if value is MISSING else value


def getter(record: Mapping[str, Any], dotted: bool) -> Callable[[str], Any]:
    """`record.get` when no path has a dot (the common case, and per record a hot path),
    else a lookup that follows paths."""
    return record.get if not dotted else partial(value_at, record)
