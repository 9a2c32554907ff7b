"""What the data commands do once their options are checked: one transaction, a progress bar
on a terminal, and a clear one-line failure (see `data_commands` for the options).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from bot.cli.app import console, database, err_console, fail, project_or_exit
from bot.cli.output_files import new_file
from bot.dataio.annotation_import import import_annotations
from bot.dataio.export import export_project
from bot.dataio.formats import CsvLayout, ExportFormat
from bot.dataio.item_import import ImportSummary, import_items
from bot.dataio.label_studio_config import labeling_config
from bot.dataio.problems import ImportFailed
from bot.dataio.readers import SourceFormat
from bot.projects.sync import project_spec
from storage.db import make_session_factory, read_only, unit_of_work
from storage.export_queries import count_items

if TYPE_CHECKING:
    from bot.cli.dataset_export import DatasetOptions
    from bot.dataio.annotations import AnnotationMapping
    from bot.dataio.items import ItemMapping


@contextmanager
def progress(target: Console, total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on `target` when it is a terminal; yields an `advance to` callback."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=target,
        disable=not target.is_terminal,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _run_import(slug: str, file: Path, work: Callable[..., ImportSummary], noun: str) -> None:
    with database() as (_settings, engine):
        try:
            with unit_of_work(make_session_factory(engine)) as session:
                project = project_or_exit(session, slug)
                with progress(console, file.stat().st_size, f"Importing {file.name}") as advance:
                    summary = work(session, project, file, progress=advance)
        except ImportFailed as exc:
            more = " (first ones shown)" if exc.truncated else ""
            fail(
                f"{len(exc.problems)} problem(s){more}; nothing was imported:\n"
                + "\n".join(str(p) for p in exc.problems)
            )
        except ValueError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{count:,} {reason}" for reason, count in sorted(summary.skipped.items()))
    console.print(
        f"{file}: read {summary.read:,} {noun}, inserted {summary.inserted:,}, "
        f"already present {summary.already_present:,}"
        + (f"; skipped {skipped:,} that are not answers ({reasons})." if skipped else "."),
        soft_wrap=True,
    )


def import_item_file(slug: str, file: Path, fmt: SourceFormat, mapping: ItemMapping) -> None:
    def work(session: Any, project: Any, path: Path, progress: Callable[[int], None]) -> Any:
        return import_items(session, project, path, fmt=fmt, mapping=mapping, progress=progress)

    _run_import(slug, file, work, "items")


def import_annotation_file(
    slug: str, file: Path, fmt: SourceFormat, mapping: AnnotationMapping
) -> None:
    def work(session: Any, project: Any, path: Path, progress: Callable[[int], None]) -> Any:
        return import_annotations(
            session, project, path, fmt=fmt, mapping=mapping, progress=progress
        )

    _run_import(slug, file, work, "annotations")


def export_file(
    project: str,
    fmt: ExportFormat,
    output: Path | None,
    *,
    decided_only: bool,
    layout: CsvLayout | None,
    label_config: Path | None,
    dataset: DatasetOptions | None,
) -> None:
    """Write the export (or the Parquet folder), then say how many items went where."""
    from bot.cli.dataset_export import export_dataset

    # A read-only snapshot: on SQLite a long export must not hold the write lock, which
    # would stall every answer in Slack for its duration.
    with (
        database() as (_settings, engine),
        read_only(make_session_factory(engine)) as session,
    ):
        proj = project_or_exit(session, project)
        undecided = count_items(session, proj.id, decided=False)
        total = count_items(session, proj.id, decided=True if decided_only else None)
        if dataset is not None:
            with progress(err_console, total, f"Exporting {proj.slug}") as advance:
                export_dataset(
                    session,
                    proj,
                    dataset,
                    decided_only=decided_only,
                    undecided=undecided,
                    advance=advance,
                )
            return
        try:
            with (
                new_file(output) as out,
                progress(
                    err_console if output else Console(stderr=True, quiet=True),
                    total,
                    f"Exporting {proj.slug}",
                ) as advance,
            ):
                done = [0]

                def step(count: int) -> None:
                    done[0] += count
                    advance(done[0])

                written = export_project(
                    session,
                    proj,
                    fmt,
                    out,
                    progress=step,
                    decided_only=decided_only,
                    layout=layout or CsvLayout.WIDE,
                )
        except ValueError as exc:
            fail(str(exc))
        if label_config is not None:
            with new_file(label_config) as config_out:
                config_out.write(labeling_config(project_spec(proj)))
    where = output or "stdout"
    held = "left out" if decided_only else "exported without a final label"
    err_console.print(
        f"Exported {written:,} items of {project} to {where} ({fmt.value}); "
        f"{undecided:,} undecided item(s) {held}."
    )
    if fmt is ExportFormat.LABEL_STUDIO:
        err_console.print(
            "Label Studio imports annotations only by its own users: create one for each "
            "annotator's <Slack id>@slack.invalid address before importing (docs/importing.md).",
            highlight=False,
            markup=False,
        )
