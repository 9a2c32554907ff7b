"""Project-file errors in a lead's words: what is wrong at which field, and how to fix it.

Pydantic's own messages are written for programmers ("Value error, …", "Extra inputs are not
permitted", a regular expression). Here: the prefix goes, an unknown key gets its likely
intended spelling (difflib), and a Slack ID written as a name (`#labeling`, `@alice`) says
where Slack shows the ID.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from bot.projects.spec import CHANNEL_PATTERN, USER_PATTERN, USERGROUP_PATTERN, ProjectSpec

ID_HINTS = {
    CHANNEL_PATTERN: (
        "a channel ID such as C0123ABCD, not its name: in Slack, open the channel's name → "
        "About; the ID is at the bottom"
    ),
    USER_PATTERN: (
        "a member ID such as U0123ABCD, not a name: in Slack, open the person's profile → ⋮ → "
        "Copy member ID"
    ),
    USERGROUP_PATTERN: "a user group ID such as S0123ABCD (from usergroups.list), not its handle",
}


def message(error: ErrorDetails) -> str:
    """One error's explanation (without the field path, which the caller puts in front)."""
    kind, text = error["type"], error["msg"]
    if kind == "value_error":
        return text.removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"])
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        if pattern in ID_HINTS:
            return ID_HINTS[pattern]
    return text


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    known = _keys_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1) if known else []
    if close:
        return f"unknown key; did you mean `{close[0]}`?"
    if known:
        return "unknown key; expected one of " + ", ".join(f"`{k}`" for k in sorted(known))
    return "unknown key"


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the project file allows at `loc` (list positions skipped)."""
    model: type[BaseModel] | None = ProjectSpec
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None`, `list[X]` or `Annotated[X, …]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
