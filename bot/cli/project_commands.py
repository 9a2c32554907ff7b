"""`projects` commands: validate and sync project definition files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import console, database, fail, settings_or_exit
from bot.projects.loader import LoadedProject, ProjectLoadError, load_projects
from bot.projects.sync import sync_project
from storage.db import make_session_factory, unit_of_work


def _load_or_exit(path: Path) -> list[LoadedProject]:
    try:
        return load_projects(path)
    except FileNotFoundError as exc:
        fail(str(exc))
    except ProjectLoadError as exc:
        fail(f"{len(exc.problems)} problem(s):\n" + "\n".join(exc.problems))


def register(app: typer.Typer) -> None:
    projects = typer.Typer(help="Validate and sync project YAML files.", no_args_is_help=True)
    app.add_typer(projects, name="projects")

    @projects.command("validate")
    def validate(
        path: Annotated[Path | None, typer.Argument(help="A project file or a directory.")] = None,
    ) -> None:
        """Check project files; errors name the file, the field path and the problem.

        Examples: `python -m bot projects validate` (all of PROJECTS_DIR),
        `python -m bot projects validate examples/sentiment.yml`
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
