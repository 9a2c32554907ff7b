"""Option types in `--help` as a shell user reads them: `TEXT`, `FILE`, `jsonl|csv`, no type for
a flag; not Typer's Python-flavoured `<str>`, `<bool>` or `<list[str]>`.

Typer (0.29) offers no hook for this, so `install()` wraps the one method that formats a
parameter's type and rewrites its label. The wrapper only translates the label Typer made, so a
Typer release that changes the method degrades to Typer's own labels (tests/test_cli_help.py
notices), never to a broken `--help`.
"""

from __future__ import annotations

import re
from typing import Any

from typer import core

_NAMES = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "NUMBER",
    "path": "PATH",
    "file": "FILE",
    "directory": "DIR",
    "datetime": "DATE",
    "uuid": "UUID",
}
_LIST = re.compile(r"list\[(.*)\]")


def readable(label: str) -> str:
    """`<list[str]>` -> `TEXT...`, `<file>` -> `FILE`, `<a|b>` -> `a|b`, `<bool>` -> ``."""
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    repeated = _LIST.fullmatch(inner)
    if repeated:
        return readable(repeated.group(1)) + "..."
    if inner == "bool":
        return ""
    if "%" in inner:  # datetime formats such as %Y-%m-%d|%Y-%m-%dT%H:%M:%S
        return "DATE"
    return _NAMES.get(inner, inner)


def install() -> None:
    """Make every Typer parameter show its readable type (idempotent)."""
    original = core._TyperParameter.display_type
    if getattr(original, "readable", False):
        return

    def display_type(self: core._TyperParameter, ctx: Any) -> str:
        return readable(original(self, ctx))

    display_type.readable = True  # type: ignore[attr-defined]
    core._TyperParameter.display_type = display_type  # type: ignore[method-assign]
