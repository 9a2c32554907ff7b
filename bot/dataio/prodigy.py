"""Prodigy's JSONL (`prodigy db-out`), read as items and answers, written one line per answer.

A line is one annotator's answer to one task: the input (`text`, `image`, ..., `meta`), the
question (`label` for a binary task, `options` for a choice task), the answer (`answer:
accept|reject|ignore`, plus `accept`, the chosen option ids, or `user_input` for free text)
and Prodigy's bookkeeping (`_input_hash`, `_task_hash`, `_annotator_id`, `_session_id`,
`_timestamp`). See prodi.gy/docs/api-interfaces. The writer lives in `prodigy_writer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dataio.labels import LabelChecker, is_blank
from bot.dataio.paths import value_at
from bot.dataio.problems import RecordError
from bot.projects.spec import Task, TaskKind

#: Keys holding the question, the answer or Prodigy's own state, never the item's input.
QUESTION_KEYS = frozenset(
    {"answer", "accept", "label", "options", "spans", "tokens", "relations", "arcs"}
    | {"user_input", "flagged", "config"}
)
#: Keys our export adds to `meta`; dropped on the way in, so they never become item data.
OUR_META_KEYS = ("external_id", "final_label", "final_method", "unsure")
#: The key Prodigy's `text_input` interface stores free text under (its default `field_id`).
FREE_TEXT_KEY = "user_input"
#: Skip reasons, counted in the import summary.
IGNORED, REJECTED, NOTHING_CHOSEN = "ignored", "rejected", "no option chosen"


def task_data(task: dict[str, Any]) -> dict[str, Any]:
    """The item's data: the task without question, answer and `_` keys, and `meta` without
    the keys our own export put there."""
    data = {k: v for k, v in task.items() if k not in QUESTION_KEYS and not k.startswith("_")}
    meta = data.get("meta")
    if isinstance(meta, dict) and any(key in meta for key in OUR_META_KEYS):
        rest = {k: v for k, v in meta.items() if k not in OUR_META_KEYS}
        if rest:
            data["meta"] = rest
        else:
            del data["meta"]
    return data


def external_id_of(task: dict[str, Any], id_field: str | None) -> str | None:
    """`id_field` (a dotted path, which must then be there), else `id`, else `meta.external_id`
    (our export), else `_input_hash` (Prodigy's id of the input); None if none is."""
    if id_field is not None:
        value = value_at(task, id_field)
        if is_blank(value):
            raise RecordError(f"missing or empty field {id_field!r}")
        return _id_text(value)
    for path in ("id", "meta.external_id", "_input_hash"):
        value = value_at(task, path)
        if not is_blank(value):
            return _id_text(value)
    return None


def _id_text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 255:
        raise RecordError("the id is longer than 255 characters")
    return text


def annotator_of(task: dict[str, Any], field: str | None) -> str:
    """`field` when named, else `_annotator_id`, else `_session_id` (both `dataset-name`)."""
    for path in (field,) if field else ("_annotator_id", "_session_id"):
        value = value_at(task, path)
        if not is_blank(value):
            return str(value).strip()
    raise RecordError(
        f"missing or empty field {field!r}" if field else "no `_annotator_id` or `_session_id`"
    )


def timestamp_of(task: dict[str, Any]) -> datetime | None:
    """`_timestamp`: Unix seconds, UTC."""
    raw = task.get("_timestamp")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise RecordError(f"`_timestamp` must be Unix seconds, found {raw!r}")
    try:
        return datetime.fromtimestamp(raw, UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"`_timestamp` {raw!r} is out of range") from None


@dataclass(frozen=True)
class Answer:
    """What a line answers, in our terms: a label value (None when only unsure) and the flag."""

    value: Any
    unsure: bool


class AnswerReader:
    """Turns a line's answer into ours, or into the reason it is skipped. Built once per
    import: names are matched to choices through dictionaries."""

    def __init__(self, task: Task) -> None:
        self.kind = task.kind
        self.checker = LabelChecker(task)
        self.values = task.choice_values
        self.by_name: dict[str, str] = {}
        for choice in task.effective_choices:  # a choice's text, then (winning) its value
            self.by_name.setdefault(choice.text.casefold(), choice.value)
        self.by_name.update({value.casefold(): value for value in self.values})

    def read(self, task: dict[str, Any]) -> Answer | str:
        answer = task.get("answer")
        if answer not in ("accept", "reject", "ignore"):
            raise RecordError(f"`answer` must be accept, reject or ignore, found {answer!r}")
        meta = task.get("meta")
        unsure = isinstance(meta, dict) and meta.get("unsure") is True
        if answer == "ignore":  # a skip, unless our export wrote an unsure answer this way
            return Answer(None, True) if unsure else IGNORED
        if self.kind is TaskKind.FREE_TEXT:
            text = task.get(FREE_TEXT_KEY)
            if answer == "reject":
                return REJECTED
            if is_blank(text) and not unsure:
                raise RecordError(f"a free-text answer needs `{FREE_TEXT_KEY}`")
            return Answer(None if is_blank(text) else text, unsure)
        if "options" in task:
            return self._choice(task, answer, unsure)
        if "label" in task:
            return self._binary(task["label"], answer, unsure)
        raise RecordError("no `options` (a choice task) and no `label` (a binary task)")

    def _choice(self, task: dict[str, Any], answer: str, unsure: bool) -> Answer | str:
        options, accepted = task["options"], task.get("accept", [])
        if not isinstance(options, list) or not isinstance(accepted, list):
            raise RecordError("`options` and `accept` must be lists")
        if answer == "reject":
            return REJECTED
        texts = {str(o.get("id")): o.get("text") for o in options if isinstance(o, dict)}
        values = [self.value_of(option, texts.get(str(option))) for option in accepted]
        if not values:
            return Answer(None, True) if unsure else NOTHING_CHOSEN
        if self.kind is TaskKind.MULTI_CHOICE:
            return Answer(values, unsure)
        if len(values) > 1:
            raise RecordError(f"a {self.kind.value} project takes one option, found {len(values)}")
        return Answer(values[0], unsure)

    def _binary(self, label: Any, answer: str, unsure: bool) -> Answer | str:
        if self.kind is TaskKind.MULTI_CHOICE:
            raise RecordError(
                "a binary task (one `label`, accepted or rejected) cannot give a multi-choice "
                "answer; export the choice tasks (`options` and `accept`)"
            )
        value = self.checker.check(self.value_of(label), "the label")
        if answer == "accept":
            return Answer(value, unsure)
        if len(self.values) == 2:  # rejecting one of two labels chooses the other
            return Answer(next(v for v in self.values if v != value), unsure)
        return REJECTED

    def value_of(self, name: Any, text: Any = None) -> Any:
        """Our choice value for a Prodigy label or option id: the value itself, else a value
        or choice text matching it (or the option's text) case-insensitively. An unknown name
        is returned as is, for `LabelChecker` to report with the project's labels."""
        if isinstance(name, bool) or not isinstance(name, str | int | float):
            return name
        key = str(int(name)) if isinstance(name, float) and name.is_integer() else str(name)
        if key in self.values:
            return key
        for candidate in (key, text):
            if isinstance(candidate, str) and candidate.strip().casefold() in self.by_name:
                return self.by_name[candidate.strip().casefold()]
        return key
