"""The JSON Lines export on SQLite, assembled from JSON text that SQLite computes.

JSON Lines is the lossless format and the largest export; building a dict per item and
encoding it with `json` was most of its cost (81 s for a million items). SQLite's JSON
functions quote strings, minify stored JSON and format timestamps in C
(`storage.export_queries.line_statements`), so Python only splices fragments into a template
and formats floats. The output is byte for byte what `JsonLinesWriter` makes of the export
records (a test holds the two together): a line containing `\\u` (an escape Python writes
unescaped, a literal backslash-u in someone's text, or the marker for a value SQLite cannot
render) is returned as None, and the caller rebuilds that item from its record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from bot.domain.consensus import votes

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _number(value: float | None) -> str:
    """`repr` is what `json` writes for ints and finite floats (`inf`, `nan` end in a letter)."""
    if value is None:
        return "null"
    text = repr(value)
    return text if text[-1].isdigit() else _json(value)


def _annotation(row: Any) -> str:
    (
        _,
        seconds,
        annotator,
        value,
        unsure,
        reason,
        note,
        version,
        source,
        created,
        gone,
        gone_at,
    ) = row
    return (
        f'{{"annotator":{annotator},"value":{value},"unsure":{unsure},'
        f'"unsure_reason":{reason},"unsure_note":{note},"seconds":{_number(seconds)},'
        f'"guideline_version":{version},"source":{source},"created_at":{created},'
        f'"superseded":{gone},"superseded_at":{gone_at}}}'
    )


def _review(row: Any) -> str:
    if row is None:
        return "null"
    (_, reason, reasons, status, resolution, resolver, note, created, resolved) = row
    return (
        f'{{"reason":{reason},"reasons":{reasons},"status":{status},"resolution":{resolution},'
        f'"resolver":{resolver},"resolution_note":{note},"created_at":{created},'
        f'"resolved_at":{resolved}}}'
    )


@lru_cache(maxsize=4096)
def _votes(values: tuple[str, ...]) -> str:
    """`votes` from the current, sure answers' JSON texts (few distinct tuples: cached)."""
    return _json(votes([json.loads(value) for value in values]))


def _current_values(annotations: Sequence[Any]) -> tuple[str, ...]:
    """JSON texts of the answers that count: not superseded, not unsure, not null."""
    return tuple(
        a[3] for a in annotations if a[10] == "false" and a[4] == "false" and a[3] != "null"
    )


def _comment(row: Any) -> str:
    (_, author, text, created) = row
    return f'{{"author":{author},"text":{text},"created_at":{created}}}'


def sqlite_line(
    item: Any, annotations: Sequence[Any], review: Any, comments: Sequence[Any]
) -> str | None:
    """One item's line from `line_statements` rows (unpacked positionally, in their column
    order: cheaper than attribute access on a Row), or None when it must be built carefully."""
    (_, score, confidence, external_id, data, source, source_ref, priority) = item[:8]
    (required, answers, is_gold, gold, prediction, status, final, method) = item[8:16]
    (created, completed) = item[16:]
    text = (
        f'{{"external_id":{external_id},"data":{data},"status":{status},'
        f'"final_label":{final},"final_method":{method},'
        f'"confidence":{_number(confidence)},"completed_at":{completed},'
        f'"is_gold":{is_gold},"gold_answer":{gold},"prediction":{prediction},'
        f'"prediction_score":{_number(score)},"priority":{priority:d},'
        f'"required_answers":{required:d},"answer_count":{answers:d},'
        f'"votes":{_votes(_current_values(annotations))},"source":{source},'
        f'"source_ref":{source_ref},"created_at":{created},'
        f'"annotations":[{",".join([_annotation(a) for a in annotations])}],'
        f'"review":{_review(review)},'
        f'"discussion":[{",".join([_comment(c) for c in comments])}]}}\n'
    )
    return None if "\\u" in text else text
