"""Slack listeners: parse the payload, pick the flow, hand it to `handlers.executor`. Thin.

Every module here with a `register(app)` function is registered, so a feature adds its
listeners by adding a module. `IncomingMiddleware` gives every listener `incoming` (the
executor's request) and `user` (see `handlers.common`).
"""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

from handlers.common import IncomingMiddleware


def register(app: App) -> None:
    app.use(IncomingMiddleware())
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register_module = getattr(module, "register", None)
        if callable(register_module):
            register_module(app)
