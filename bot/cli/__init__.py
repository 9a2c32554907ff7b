"""Command-line interface: a display layer over the domain functions in `bot/`."""

from __future__ import annotations

from bot.cli import db_commands, project_commands
from bot.cli.app import app

for module in (db_commands, project_commands):
    module.register(app)


def main() -> None:
    app()
