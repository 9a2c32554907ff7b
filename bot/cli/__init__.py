"""Command-line interface: a display layer over the domain functions in `bot/`.

Every `bot/cli/*_commands.py` module's `register(app)` adds its commands.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.cli.app import app

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.endswith("_commands"):
        importlib.import_module(f"{__name__}.{_info.name}").register(app)


def main() -> None:
    app()
