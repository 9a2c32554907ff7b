"""Command-line interface: a display layer over the domain functions in `bot/`."""

from __future__ import annotations

from bot.cli import data_commands, db_commands, project_commands, run_command
from bot.cli.app import app

for module in (run_command, db_commands, project_commands, data_commands):
    module.register(app)


def main() -> None:
    app()
