"""Command-line interface: a display layer over the domain functions in `bot/`.

Every `bot/cli/*_commands.py` module's `register(app)` adds its commands.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from bot.cli.app import app, silence_stdout

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.endswith("_commands"):
        importlib.import_module(f"{__name__}.{_info.name}").register(app)


def main() -> None:
    try:
        app()
    finally:
        # Output small enough to sit in stdout's buffer meets a closed pipe only here, at the
        # last flush; the command itself succeeded.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
