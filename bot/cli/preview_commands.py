"""`preview [--out DIR] [--only KIND] [--no-png]`: every message kind as HTML and PNG.

Needs no database or Slack settings: the examples are built in memory. PNGs need headless
Chromium (Debian's `chromium` package); without it only the HTML is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import console, err_console, fail


def register(app: typer.Typer) -> None:
    @app.command("preview")
    def preview_command(
        out: Annotated[
            Path, typer.Option(help="Folder for index.html, README.md and the PNGs.")
        ] = Path("docs/screenshots"),
        only: Annotated[
            list[str] | None,
            typer.Option(help="Only this message kind (repeatable); no index or listing."),
        ] = None,
        png: Annotated[
            bool, typer.Option("--png/--no-png", help="Take PNG screenshots with Chromium.")
        ] = True,
    ) -> None:
        """Render every message the bot sends (real views, example data) to HTML and PNG."""
        from bot.preview.build import build
        from bot.preview.shoot import ScreenshotError

        try:
            built = build(out, png=png, only=only or (), progress=console.print)
        except (ValueError, ScreenshotError) as exc:
            fail(str(exc))
        console.print(f"{len(built.shots)} message kinds → {built.out}")
        if built.skipped_png:
            err_console.print(built.skipped_png)
