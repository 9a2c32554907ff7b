"""`--help` reads like a native command line: shell-style types, commands in the order a team
meets them, and fast because it loads no part of the bot a command does not need."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import COMMAND_ORDER, app
from bot.cli.help_types import readable

ROOT = Path(__file__).resolve().parent.parent


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("typer_label", "shown"),
    [
        ("<bool>", ""),
        ("<str>", "TEXT"),
        ("<int>", "INTEGER"),
        ("<file>", "FILE"),
        ("<path>", "PATH"),
        ("<list[str]>", "TEXT..."),
        ("<jsonl|csv>", "jsonl|csv"),
        ("<%Y-%m-%d|%Y-%m-%dT%H:%M:%S>", "DATE"),
    ],
)
def test_option_types_are_shown_as_a_shell_user_reads_them(typer_label: str, shown: str) -> None:
    assert readable(typer_label) == shown


def test_no_help_page_shows_python_type_names() -> None:
    pages = [help_of()] + [help_of(name) for name in ("export", "import", "preview", "audit")]
    pages += [help_of("projects", "init"), help_of("timesheet")]

    for page in pages:
        for python_name in ("<bool>", "<str>", "<int>", "<list[", "<path>", "<file>"):
            assert python_name not in page
    assert "FILE" in help_of("export")
    assert "jsonl|csv" in help_of("export")


def test_commands_are_listed_in_the_order_a_team_meets_them() -> None:
    listed = [line.strip("│ ").split(" ")[0] for line in help_of().splitlines()]
    commands = [name for name in listed if name in COMMAND_ORDER]

    assert commands == list(COMMAND_ORDER)
