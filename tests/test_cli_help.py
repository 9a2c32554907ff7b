"""`--help` reads like a native command line: shell-style types, commands in the order a team
meets them, and fast because it loads no part of the bot a command does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import COMMAND_ORDER, app
from bot.cli.help_types import readable

ROOT = Path(__file__).resolve().parent.parent
#: What `--help` must not import: each costs 0.1–0.6 s and only some commands use it.
HEAVY = ("matplotlib", "numpy", "alembic", "slack_bolt", "apscheduler", "sqlalchemy", "psycopg")


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


def test_help_loads_none_of_the_heavy_libraries() -> None:
    """Top-level and per-command `--help` run in a fresh interpreter; none of the libraries a
    command needs only when it runs may be imported (`--help` stays well under 0.5 s)."""
    probe = (
        "import sys, bot.cli\n"
        "try:\n"
        "    bot.cli.app(sys.argv[1:] + ['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    for command in ([], ["export"], ["run"], ["stats"], ["projects", "init"]):
        completed = subprocess.run(
            [sys.executable, "-c", probe, *command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert completed.stderr.strip() == "[]", (command, completed.stderr)
