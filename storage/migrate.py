"""Alembic, driven programmatically so the CLI and the tests share one configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_HINT = "python -m bot db upgrade"


class SchemaOutdated(Exception):
    """The database is behind the code's migrations; the message says how to fix it."""


def alembic_config(database_url: str) -> Config:
    # Alembic is imported where it is used: `python -m bot --help` must not pay for it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema_current(engine: Engine) -> None:
    """Refuse to run against a database that is empty or behind the code."""
    url = engine.url.render_as_string(hide_password=False)
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        state = "has no schema yet" if current is None else f"is at revision {current}"
        raise SchemaOutdated(
            f"The database {engine.url.render_as_string(hide_password=True)} {state}; "
            f"the code needs {head}. Run `{UPGRADE_HINT}` first."
        )
