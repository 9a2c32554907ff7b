"""`purge`: erase a person's or an item's data from a project (erasure requests)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from bot.cli.app import ProjectArg, console, fail, project_or_exit, writing


def register(app: typer.Typer) -> None:
    @app.command("purge")
    def purge(
        project: ProjectArg,
        annotator: Annotated[
            str | None, typer.Option("--annotator", help="Slack user id whose data to erase.")
        ] = None,
        item: Annotated[
            str | None, typer.Option("--item", help="Item id or external id to erase.")
        ] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
        allow_missing: Annotated[
            bool,
            typer.Option(
                "--allow-missing",
                help="Succeed (and audit the request) even if there is nothing to erase.",
            ),
        ] = False,
    ) -> None:
        """Erase a person's answers and comments, or one item, from a project.

        Decisions they took stay, with their id replaced by "[erased]"; affected items are
        settled again; the audit log records the erasure (with a hash of the person's id).
        Naming a person or item the project holds no data of is an error (exit 1, nothing
        audited), so a typo cannot pass for an erasure; `--allow-missing` accepts it.

        Examples: `python -m bot purge review-sentiment --annotator U012ABCDEF`,
        `python -m bot purge review-sentiment --item rev-0042 --yes`
        """
        if (annotator is None) == (item is None):
            fail("give exactly one of --annotator or --item")
        target = f"annotator {annotator}" if annotator else f"item {item}"
        if not yes and not typer.confirm(f"Erase all data of {target} in {project}?"):
            fail("nothing erased", code=1)
        from bot.domain.purge import NothingToErase, purge_annotator, purge_item

        actor = f"cli:{getpass.getuser()}"
        with writing() as s:
            found = project_or_exit(s, project)
            try:
                if annotator:
                    result = purge_annotator(
                        s, found, annotator, actor, allow_missing=allow_missing
                    )
                else:
                    assert item is not None
                    result = purge_item(s, found, item, actor, allow_missing=allow_missing)
            except NothingToErase as exc:
                fail(f"{exc}; nothing was erased (pass --allow-missing if that is expected).")
        console.print(
            f"Erased {result.annotations} answer(s) and {result.comments} comment(s)"
            + (f"; {result.items} item" if result.items else "")
            + (
                f"; {result.reaffected_items} item(s) settled again"
                if result.reaffected_items
                else ""
            )
            + "."
        )
