"""Check and normalise answer values (gold, predictions, imported annotations) against a task.

Values are stored as the Slack flow stores them (`bot.domain.labeling.validate_value`): a
choice value string for single choice and rating, a list of choice values in the task's order
for multi choice, any (stripped) string for free text.
"""

from __future__ import annotations

import json
from typing import Any

from bot.dataio.problems import RecordError
from bot.projects.spec import Task, TaskKind


class LabelChecker:
    """Validate values for one task; built once per import so choice lookups are sets."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.kind = task.kind
        self.choices = task.choice_values
        self._allowed = frozenset(self.choices)

    def check(self, raw: Any, what: str) -> Any:
        """The normalised value, or RecordError naming `what` and the allowed choices."""
        if self.kind is TaskKind.FREE_TEXT:
            if not isinstance(raw, str):
                raise RecordError(f"{what} must be text, found {type(raw).__name__}")
            return raw.strip()
        if self.kind is TaskKind.MULTI_CHOICE:
            values = _as_list(raw, what)
            for value in values:
                self._require_choice(value, what)
            return sorted(set(values), key=self.choices.index)
        value = _as_scalar(raw, what)
        self._require_choice(value, what)
        return value

    def _require_choice(self, value: str, what: str) -> None:
        if value not in self._allowed:
            raise RecordError(
                f"unknown label {value!r} in {what}; the project's labels are "
                + ", ".join(self.choices)
            )

    def index(self, value: str) -> int:
        return self.choices.index(value)


def is_blank(raw: Any) -> bool:
    """An absent answer: missing, null, an empty string or an empty list."""
    return raw is None or raw == "" or raw == []  # equality: cheaper than isinstance per call


def _as_scalar(raw: Any, what: str) -> str:
    if isinstance(raw, bool):
        raise RecordError(f"{what} must be a label, found a boolean")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, list) and len(raw) == 1:
        return _as_scalar(raw[0], what)
    if not isinstance(raw, str):
        raise RecordError(f"{what} must be one label, found {type(raw).__name__}")
    return raw.strip()


def _as_list(raw: Any, what: str) -> list[str]:
    """A list, a JSON list in a string (`["a","b"]`) or a `|`-separated string (`a|b`)."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except json.JSONDecodeError:
                raise RecordError(f"{what} is not a valid JSON list") from None
        else:
            return [part.strip() for part in text.split("|") if part.strip()]
    if not isinstance(raw, list):
        raise RecordError(f"{what} must be a list of labels, found {type(raw).__name__}")
    return [_as_scalar(item, what) for item in raw]
