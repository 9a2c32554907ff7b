"""`db` commands: migrate the schema with Alembic."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import console, database


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
        """Apply migrations up to REVISION (default: the newest).

        Example: `python -m bot db upgrade`
        """
        from storage import migrate

        with database(require_current=False) as (settings, engine):
            migrate.upgrade(settings.database_url, revision)
            console.print(f"Database at revision {migrate.current_revision(engine)}.")

    @db.command("current")
    def current() -> None:
        """Show the database's revision and the code's newest one.

        Example: `python -m bot db current`
        """
        from storage import migrate

        with database(require_current=False) as (settings, engine):
            have = migrate.current_revision(engine) or "(empty)"
            console.print(f"database: {have}  code: {migrate.head_revision(settings.database_url)}")
