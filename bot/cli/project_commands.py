"""`projects` commands: list the recorded projects, validate and sync project files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.app import console, database, fail, settings_or_exit
from bot.projects.loader import LoadedProject, ProjectLoadError, load_projects
from bot.projects.sync import sync_project
from storage.db import make_session_factory, read_only, unit_of_work
from storage.progress import status_counts
from storage.projects import all_projects


def _load_or_exit(path: Path) -> list[LoadedProject]:
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
        table = Table("slug", "title", "items", "complete", "in review", "paused", box=None)
        with database() as (_settings, engine), read_only(make_session_factory(engine)) as s:
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
