"""The JSON Lines export assembled as text from raw rows, without a dict per item.

JSON Lines is the lossless format and the largest export; building a dict per item and
encoding it with `json` was most of its cost. Here each line is put together from fragments:
stored JSON text spliced in as SQLite's `json()` minified it, strings through the C string
encoder, SQLite timestamp strings rewritten by slicing. The output is byte for byte what
`JsonLinesWriter` makes of `export.item_records` (same keys, order and encoding; a test holds
the two together), so the fast path changes speed only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_json = _ENCODER.encode
#: The encoder's own C string escaper (the ensure_ascii=False variant), quotes included.
_string: Callable[[str], str] = json.encoder.encode_basestring
Fragment = Callable[[Any], str]


def iso(moment: datetime | str | None) -> str | None:
    """ISO 8601 in UTC. Raw SQLite timestamps are `YYYY-MM-DD HH:MM:SS[.ffffff]` strings in UTC
    (see `storage.export_queries`); PostgreSQL gives aware datetimes."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).isoformat() + "+00:00"
    if moment.tzinfo is None:
        return moment.isoformat() + "+00:00"
    return moment.astimezone(UTC).isoformat()


def _text(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _number(value: float | None) -> str:
    """`repr` is what `json` writes for ints and finite floats (`inf`, `nan` end in a letter)."""
    if value is None:
        return "null"
    text = repr(value)
    return text if text[-1].isdigit() else _json(value)


def _sqlite_json(raw: str | None) -> str:
    """Minified stored text as it is, unless it holds `\\u` escapes (`json` writes those
    characters unescaped) or NaN/Infinity (not valid JSON, so SQLite left it unminified)."""
    if raw is None:
        return "null"
    if "\\u" in raw or "NaN" in raw or "Infinity" in raw:
        return _json(json.loads(raw))
    return raw


class _SqliteMoments:
    """`YYYY-MM-DD HH:MM:SS.ffffff` (UTC, as SQLAlchemy stores it) to `iso`'s format, by
    slicing. Rows written together share a timestamp (an import batch, a bulk job), so the
    last conversion is kept."""

    def __init__(self) -> None:
        self.last: tuple[str | None, str] = (None, "null")

    def __call__(self, raw: str | None) -> str:
        if raw is None:
            return "null"
        if raw == self.last[0]:
            return self.last[1]
        if len(raw) == 26 and raw[10] == " " and raw[19] == ".":
            tail = raw[11:19] if raw.endswith(".000000") else raw[11:]
            text = f'"{raw[:10]}T{tail}+00:00"'
        else:
            text = _text(iso(raw))
        self.last = (raw, text)
        return text


def _parsed_json(value: Any) -> str:
    return "null" if value is None else _json(value)


def _datetime_moment(value: Any) -> str:
    return _text(iso(value))


class JsonLines:
    """Line builder for one dialect: how raw JSON and timestamp values become JSON text.

    Rows are unpacked positionally, in the order of `storage.export_queries`' column tuples
    (tuple unpacking is several times cheaper than attribute access on a Row).
    """

    def __init__(self, dialect: str) -> None:
        sqlite = dialect == "sqlite"
        self.json: Fragment = _sqlite_json if sqlite else _parsed_json
        self.moment: Fragment = _SqliteMoments() if sqlite else _datetime_moment

    def line(
        self, item: Any, annotations: Sequence[Any], review: Any, comments: Sequence[Any]
    ) -> str:
        (_, external_id, data, source, source_ref, priority, required, answer_count) = item[:8]
        (is_gold, gold, prediction, score, status, final, method, created, completed) = item[8:]
        js, moment, string = self.json, self.moment, _string
        # NOT NULL columns skip the None test: strings go straight to the C escaper, integers
        # format as `json` writes them.
        return (
            f'{{"external_id":{string(external_id)},"data":{js(data)},'
            f'"status":{string(status)},"final_label":{js(final)},'
            f'"final_method":{_text(method)},"completed_at":{moment(completed)},'
            f'"is_gold":{"true" if is_gold else "false"},"gold_answer":{js(gold)},'
            f'"prediction":{js(prediction)},"prediction_score":{_number(score)},'
            f'"priority":{priority:d},"required_answers":{required:d},'
            f'"answer_count":{answer_count:d},"source":{string(source)},'
            f'"source_ref":{_text(source_ref)},"created_at":{moment(created)},'
            f'"annotations":[{",".join([self._annotation(a) for a in annotations])}],'
            f'"review":{self._review(review)},'
            f'"discussion":[{",".join([self._comment(c) for c in comments])}]}}\n'
        )

    def _annotation(self, row: Any) -> str:
        (_, annotator, value, unsure, reason, note, seconds, version, source, created, gone) = row
        moment, string = self.moment, _string
        return (
            f'{{"annotator":{string(annotator)},"value":{self.json(value)},'
            f'"unsure":{"true" if unsure else "false"},"unsure_reason":{_text(reason)},'
            f'"unsure_note":{_text(note)},"seconds":{_number(seconds)},'
            f'"guideline_version":{_text(version)},"source":{string(source)},'
            f'"created_at":{moment(created)},"superseded":{"false" if gone is None else "true"},'
            f'"superseded_at":{moment(gone)}}}'
        )

    def _review(self, row: Any) -> str:
        if row is None:
            return "null"
        (_, reason, status, resolution, resolver, note, created, resolved) = row
        moment = self.moment
        return (
            f'{{"reason":{_text(reason)},"status":{_text(status)},'
            f'"resolution":{self.json(resolution)},"resolver":{_text(resolver)},'
            f'"resolution_note":{_text(note)},'
            f'"created_at":{moment(created)},"resolved_at":{moment(resolved)}}}'
        )

    def _comment(self, row: Any) -> str:
        (_, author, text, created) = row
        return (
            f'{{"author":{_text(author)},"text":{_text(text)},"created_at":{self.moment(created)}}}'
        )
