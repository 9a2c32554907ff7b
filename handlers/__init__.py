"""Slack listeners: parse the payload, call `bot/`, send what it renders. Kept thin.

Every module here with a `register(app)` function is registered, so a feature adds its
listeners by adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App


def register(app: App) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register_module = getattr(module, "register", None)
        if callable(register_module):
            register_module(app)
