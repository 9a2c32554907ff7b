"""`projects` commands: list the recorded projects, validate and sync project files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.app import (
    EXIT_CANNOT_WRITE,
    console,
    database,
    err_console,
    fail,
    reading,
    settings_or_exit,
)

if TYPE_CHECKING:
    from bot.projects.loader import LoadedProject


def _load_or_exit(path: Path) -> list[LoadedProject]:
    from bot.projects.loader import ProjectLoadError, load_projects

    try:
        return load_projects(path)
    except FileNotFoundError as exc:
        fail(str(exc))
    except ProjectLoadError as exc:
        fail(f"{len(exc.problems)} problem(s):\n" + "\n".join(exc.problems))


def register(app: typer.Typer) -> None:
    projects = typer.Typer(
        help="List projects; validate and sync project YAML files.", no_args_is_help=True
    )
    app.add_typer(projects, name="projects")

    @projects.command("list")
    def list_projects() -> None:
        """Every project in the database: slug, title, items, complete, in review, paused.

        Example: `python -m bot projects list`
        """
        from rich.table import Table

        from storage.progress import status_counts
        from storage.projects import all_projects

        table = Table("slug", "title", "items", "complete", "in review", "paused", box=None)
        with reading() as s:
            for project in all_projects(s):
                counts = status_counts(s, project.id)
                table.add_row(
                    project.slug,
                    project.title,
                    f"{counts.total:,}",
                    f"{counts.complete:,}",
                    f"{counts.in_review:,}",
                    "yes" if project.paused else "no",
                    end_section=False,
                )
        if not table.rows:
            console.print("No projects yet: `python -m bot projects sync examples/` records some.")
            return
        console.print(table)

    projects.command("init")(init)

    @projects.command("validate")
    def validate(
        path: Annotated[Path | None, typer.Argument(help="A project file or a directory.")] = None,
    ) -> None:
        """Check project files; errors name the file, the field path and the problem.

        Examples: `python -m bot projects validate` (all of PROJECTS_DIR),
        `python -m bot projects validate examples/review_sentiment.yml`
        """
        target = path or settings_or_exit().projects_dir
        loaded = _load_or_exit(target)
        for project in loaded:
            spec = project.spec
            console.print(
                f"[green]ok[/] {project.path}: {spec.slug} ({spec.task.kind.value}, "
                f"overlap {spec.overlap}, guidelines {project.guidelines.version})"
            )
        if not loaded:
            fail(f"{target}: no project files (*.yml, *.yaml) found")

    @projects.command("sync")
    def sync(
        path: Annotated[Path | None, typer.Argument(help="A project file or a directory.")] = None,
    ) -> None:
        """Validate project files and record them (and new guideline versions) in the database.

        Example: `python -m bot projects sync examples/`
        """
        from bot.projects.sync import sync_project
        from storage.db import make_session_factory, unit_of_work

        with database() as (settings, engine):
            loaded = _load_or_exit(path or settings.projects_dir)
            with unit_of_work(make_session_factory(engine)) as session:
                results = [sync_project(session, project) for project in loaded]
            for result in results:
                state = "created" if result.created else "updated"
                extra = (
                    f", guidelines {result.new_guideline_version} recorded"
                    if result.new_guideline_version
                    else ""
                )
                console.print(f"{result.slug}: {state}{extra}")


def _ask(label: str, given: str | None, check: Callable[[str], object]) -> str:
    """The option's value, or a prompt repeated until `check` accepts the answer."""
    from bot.projects.scaffold import DraftError

    if given is not None:
        return given
    while True:
        try:
            answer = str(typer.prompt(label)).strip()
        except typer.Abort:
            fail(f"no answer for {label!r}: give it as an option (see --help) or run in a terminal")
        try:
            check(answer)
            return answer
        except DraftError as exc:
            err_console.print(f"{exc}; try again.", highlight=False, markup=False)


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def init(
    title: Annotated[str | None, typer.Option(help="The project's title, shown on cards.")] = None,
    choice: Annotated[
        list[str] | None,
        typer.Option("--choice", help="A label as people read it (repeat: one per label)."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Labeling channel ID (C…): where leads post items.")
    ] = None,
    review_channel: Annotated[
        str | None, typer.Option(help="Review channel ID (C…): where disputed items go.")
    ] = None,
    lead: Annotated[
        list[str] | None, typer.Option("--lead", help="A lead's member ID (U…); repeatable.")
    ] = None,
    slug: Annotated[
        str | None, typer.Option(help="Short name in commands [default: from the title].")
    ] = None,
    question: Annotated[
        str, typer.Option(help="The question on every card.")
    ] = "Which label fits best?",
    field: Annotated[
        str, typer.Option(help="The item field (CSV column) shown on the card.")
    ] = "text",
    multi: Annotated[
        bool, typer.Option("--multi", help="People may pick several labels per item.")
    ] = False,
    overlap: Annotated[int, typer.Option(min=1, max=50, help="Answers each item gets.")] = 1,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Where to write it [default: PROJECTS_DIR, `projects`].", file_okay=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a new project file from a few answers, asking for any not given as options.

    Channel and member IDs are not names: in Slack, the channel's name → About shows a
    channel's ID at the bottom; a person's profile → ⋮ → Copy member ID gives theirs.

    Examples:

    `python -m bot projects init`

    `python -m bot projects init --title "Ticket intent" --choice Billing --choice Refund
    --choice Other --channel C0123LABEL --review-channel C0123REVEW --lead U0123ALICE`
    """
    from bot.projects.scaffold import (
        DraftError,
        ProjectDraft,
        check_channel,
        check_user,
        choice_value,
        write_project,
    )

    def labels(text: str) -> None:
        found = _listed(text)
        if len(found) < 2:
            raise DraftError("give at least two labels, separated by commas")
        for label in found:
            choice_value(label)

    def leads(text: str) -> None:
        if not _listed(text):
            raise DraftError("name at least one lead")
        for member in _listed(text):
            check_user(member)

    def nonempty(text: str) -> None:
        if not text:
            raise DraftError("the title is empty")

    try:
        draft = ProjectDraft(
            title=_ask("Title", title, nonempty),
            choices=choice or _listed(_ask("Labels, separated by commas", None, labels)),
            labeling_channel=_ask(
                "Labeling channel ID (C…)",
                channel,
                lambda c: check_channel(c, "the labeling channel"),
            ),
            review_channel=_ask(
                "Review channel ID (C…)",
                review_channel,
                lambda c: check_channel(c, "the review channel"),
            ),
            leads=lead or _listed(_ask("Lead member IDs (U…), separated by commas", None, leads)),
            slug=slug or "",
            question=question,
            field_key=field,
            multi=multi,
            overlap=overlap,
        )
        written = write_project(draft, directory or settings_or_exit().projects_dir, force=force)
    except DraftError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the project: {exc.strerror or exc}", code=EXIT_CANNOT_WRITE)
    kept = " (kept: it existed)" if written.guidelines_kept else ""
    console.print(
        f"Wrote {written.project_file} and {written.guidelines_file}{kept}.\n"
        f"Next: `python -m bot projects sync` (or `run`, which syncs at start), then "
        f"`python -m bot import {draft.slug} items.csv` with a `{field}` column.",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
