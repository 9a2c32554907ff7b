"""The Typer application and what every command shares: settings, database, clean failure.

Exit codes (README, "Command line"): 0 success, also when stdout is closed early (`| head`);
1 bad input; 2 configuration or an outdated database; 3 the database or Slack cannot be
reached (or the database written); 4 the output file cannot be written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as package_version
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from typer.core import TyperGroup

from bot.runtime.config import ConfigError, Settings, load_settings
from bot.runtime.failures import DATABASE_UNAVAILABLE, reason
from storage.db import make_engine
from storage.migrate import SchemaOutdated, ensure_schema_current

EXIT_BAD_INPUT = 1
EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3
EXIT_CANNOT_WRITE = 4


class _Commands(TyperGroup):
    """Every command runs inside `invoke`: a reader that stops reading (`export | head`) ends
    the command quietly, with the exit code `head` users expect."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            silence_stdout()
            raise typer.Exit(0) from None


app = typer.Typer(
    name="python -m bot",
    help="Slack-native data labeling: run the bot, manage projects, import and export data.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    cls=_Commands,
)
err_console = Console(stderr=True, soft_wrap=True)
#: Output to a pipe or a file is not wrapped: rich's 80-column default would split table rows
#: and long lines that scripts read back.
UNWRAPPED = 10_000
console = Console(width=None if sys.stdout.isatty() else UNWRAPPED)


def _print_version(wanted: bool) -> None:
    if wanted:
        console.print(f"slack-labeler {package_version('slack-labeler')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """Options that come before any command."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one clear message on stderr and exit non-zero."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing what is still buffered cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test's captured output)
        pass


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc), code=EXIT_CONFIG)


@contextmanager
def database(*, require_current: bool = True) -> Iterator[tuple[Settings, Engine]]:
    """Settings plus an engine on an up-to-date schema; disposed when the command ends.

    A database that cannot be reached, opened or written, at any point of the command, ends it
    with one line naming the database (without its password) and the driver's reason.
    """
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        if require_current:
            try:
                ensure_schema_current(engine)
            except SchemaOutdated as exc:
                fail(str(exc), code=EXIT_CONFIG)
        yield settings, engine
    except DATABASE_UNAVAILABLE as exc:
        where = engine.url.render_as_string(hide_password=True)
        fail(f"the database {where} cannot be reached or written: {reason(exc)}", EXIT_UNAVAILABLE)
    finally:
        engine.dispose()
