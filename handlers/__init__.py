"""Slack listeners: parse the payload, call `bot/`, send what it renders. Kept thin."""

from __future__ import annotations

from slack_bolt import App

from . import actions, commands, events, shortcuts, views


def register(app: App) -> None:
    for module in (commands, actions, views, events, shortcuts):
        module.register(app)
