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
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from bot.cli import help_types

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from bot.runtime.config import Settings
    from storage.models import Project

# Command modules import the domain, the database and Slack inside their commands, not at the
# top: `--help` then loads only Typer and the command modules (issue 17: under 0.5 s).

#: The first argument of most commands.
ProjectArg = Annotated[
    str,
    typer.Argument(
        metavar="PROJECT", help="Project slug (`python -m bot projects list` shows them)."
    ),
]

EXIT_BAD_INPUT = 1
EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3
EXIT_CANNOT_WRITE = 4


#: `--help` lists commands in the order a team meets them: run the bot, set up projects, bring
#: data in and out, read the figures, then the lead's and the operator's tools.
COMMAND_ORDER = (
    "run",
    "projects",
    "import",
    "import-annotations",
    "export",
    "stats",
    "digest",
    "timesheet",
    "annotators",
    "edge-cases",
    "feedback",
    "audit",
    "purge",
    "db",
    "preview",
)


class _Commands(TyperGroup):
    """Every command runs inside `invoke`: a reader that stops reading (`export | head`) ends
    the command quietly, with the exit code `head` users expect."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: place for place, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            silence_stdout()
            raise typer.Exit(0) from None


help_types.install()
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
    from bot.runtime.config import ConfigError, load_settings

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
    from bot.runtime.failures import DATABASE_UNAVAILABLE, reason
    from storage.db import make_engine
    from storage.migrate import SchemaOutdated, ensure_schema_current

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


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only snapshot of an up-to-date database (see `database`)."""
    from storage.db import make_session_factory, read_only

    with database() as (_settings, engine), read_only(make_session_factory(engine)) as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """One transaction on an up-to-date database, committed when the block ends."""
    from storage.db import make_session_factory, unit_of_work

    with database() as (_settings, engine), unit_of_work(make_session_factory(engine)) as session:
        yield session


def project_or_exit(session: Session, slug: str) -> Project:
    """The project with this slug, or a one-line error that lists the known ones."""
    from storage.projects import project_named

    try:
        return project_named(session, slug)
    except LookupError as exc:
        fail(str(exc))
