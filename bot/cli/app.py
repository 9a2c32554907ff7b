"""The Typer application and what every command shares: settings, database, clean failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine

from bot.config import ConfigError, Settings, load_settings
from storage.db import make_engine
from storage.migrate import SchemaOutdated, ensure_schema_current

app = typer.Typer(
    name="python -m bot",
    help="Slack-native data labeling: run the bot, manage projects, import and export data.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
err_console = Console(stderr=True, soft_wrap=True)
console = Console()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear message on stderr and exit non-zero."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc), code=2)


@contextmanager
def database(*, require_current: bool = True) -> Iterator[tuple[Settings, Engine]]:
    """Settings plus an engine on an up-to-date schema; disposed when the command ends."""
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        if require_current:
            try:
                ensure_schema_current(engine)
            except SchemaOutdated as exc:
                fail(str(exc), code=2)
        yield settings, engine
    finally:
        engine.dispose()
