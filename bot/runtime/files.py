"""Files the bot writes get the permissions the user's umask gives any new file: `mkstemp`
and `mkdtemp`, which the write-then-rename pattern uses, make private (0600, 0700) ones."""

from __future__ import annotations

import os
from pathlib import Path


def current_umask() -> int:
    """The process umask; reading it means setting it, so it is put straight back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path, *, directory: bool = False) -> None:
    """Give `path` the mode a plain `open()` (or `mkdir`) would have given it."""
    path.chmod((0o777 if directory else 0o666) & ~current_umask())
