"""The range of a row id: every id column is INTEGER, 32 bits on PostgreSQL.

A number outside it can name no row; turned away here, it never reaches the database driver
(SQLite's raises OverflowError above 2**63, PostgreSQL's refuses to compare or insert it).
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1


def as_row_id(value: object) -> int | None:
    """`value` (an int or a string of ASCII digits) as a row id, or None when it cannot be one."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ROW_ID))):
            return None
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ROW_ID else None
