"""`run`: start the bot (Socket Mode, or HTTP behind gunicorn); the work is in `running`."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        http: Annotated[
            bool, typer.Option("--http", help="Serve HTTP instead of Socket Mode.")
        ] = False,
        host: Annotated[str, typer.Option(help="Interface to bind (HTTP).")] = "0.0.0.0",
        port: Annotated[int, typer.Option(help="Port (HTTP).")] = 3000,
        workers: Annotated[int, typer.Option(help="Worker processes (HTTP).")] = 1,
        threads: Annotated[int, typer.Option(help="Threads per worker (HTTP).")] = 16,
        no_scheduler: Annotated[
            bool,
            typer.Option("--no-scheduler", help="Do not post scheduled digests from this process."),
        ] = False,
    ) -> None:
        """Run the bot. Socket Mode when SLACK_APP_TOKEN is set, or HTTP with `--http`.

        Slack's endpoint is `/slack/events`; `/healthz` checks the database.

        Examples: `python -m bot run`,
        `python -m bot run --http --port 3000 --workers 2`
        """
        from bot.cli.running import start

        start(
            http=http,
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            scheduler=not no_scheduler,
        )
