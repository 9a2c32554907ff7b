"""How exports land on disk: whole or not at all (written under a temporary name, renamed at
the end), with the permissions the user's umask gives any new file. `mkstemp` and `mkdtemp`
make their temporaries private (0600, 0700), which would otherwise leak into the result.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.markup import escape

from bot.cli.app import EXIT_CANNOT_WRITE, fail
from bot.runtime.files import follow_umask


@contextmanager
def new_directory(output: Path) -> Iterator[Path]:
    """A temporary folder beside OUTPUT, renamed to OUTPUT when the block succeeds and
    removed otherwise, so a failed export leaves nothing behind.

    OUTPUT must not exist, or be an empty folder: an export never deletes files, not even
    an earlier export's (remove it, or export to a new folder).
    """
    shown = escape(str(output))
    if output.is_dir():
        if any(output.iterdir()):
            fail(
                f"cannot write {shown}: it is a folder that is not empty; export to a new "
                "folder, or remove this one first",
                code=EXIT_CANNOT_WRITE,
            )
    elif output.exists():
        fail(f"cannot write {shown}: it is a file, not a folder", code=EXIT_CANNOT_WRITE)
    try:
        partial = Path(tempfile.mkdtemp(dir=output.resolve().parent, prefix=f".{output.name}."))
    except OSError as exc:
        fail(f"cannot write {shown}: {escape(str(exc.strerror or exc))}", code=EXIT_CANNOT_WRITE)
    try:
        yield partial
        follow_umask(partial, directory=True)
        if output.is_dir():
            output.rmdir()  # empty (checked above); a folder cannot be renamed over one
        partial.rename(output)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        fail(f"cannot write {shown}: {escape(str(exc.strerror or exc))}", code=EXIT_CANNOT_WRITE)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


@contextmanager
def new_file(output: Path | None) -> Iterator[TextIO]:
    """stdout, or a temporary file renamed over OUTPUT only when the export succeeds. A file
    that cannot be created or written ends the command naming OUTPUT, not the temporary."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        descriptor, name = tempfile.mkstemp(dir=output.resolve().parent, prefix=f".{output.name}.")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", code=EXIT_CANNOT_WRITE)
    os.close(descriptor)
    partial = Path(name)
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        follow_umask(partial)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {output}: {exc.strerror or exc}", code=EXIT_CANNOT_WRITE)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
