"""`import`, `import-annotations` and `export`: bulk data in and out (see docs/importing.md).

The commands only parse options, own the transaction and draw the progress bar; the work is
done by the streaming functions in `bot.dataio`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from bot.cli.app import EXIT_CANNOT_WRITE, console, database, err_console, fail
from bot.cli.dataset_export import dataset_options, export_dataset
from bot.cli.output_files import follow_umask
from bot.dataio.annotation_import import import_annotations
from bot.dataio.annotations import AnnotationMapping
from bot.dataio.export import export_project
from bot.dataio.item_import import ImportSummary, import_items
from bot.dataio.items import ItemMapping
from bot.dataio.label_studio_config import labeling_config
from bot.dataio.problems import ImportFailed
from bot.dataio.readers import SourceFormat
from bot.dataio.writers import CsvLayout, ExportFormat
from bot.projects.sync import project_spec
from storage.db import make_session_factory, read_only, unit_of_work
from storage.export_queries import count_items
from storage.models import Project
from storage.projects import project_named

ProjectArg = Annotated[str, typer.Argument(help="Project slug (run `projects sync` first).")]
FileArg = Annotated[Path, typer.Argument(help="Input file.", exists=True, dir_okay=False)]
FormatOpt = Annotated[
    SourceFormat, typer.Option("--format", help="Input format; `auto` uses the file extension.")
]


@contextmanager
def _progress(target: Console, total: int | None, label: str) -> Iterator[Callable[[int], None]]:
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


def _project(session: Session, slug: str) -> Project:
    try:
        return project_named(session, slug)
    except LookupError as exc:
        fail(str(exc))


def _run_import(slug: str, file: Path, work: Callable[..., ImportSummary], noun: str) -> None:
    with database() as (_settings, engine):
        try:
            with unit_of_work(make_session_factory(engine)) as session:
                project = _project(session, slug)
                with _progress(console, file.stat().st_size, f"Importing {file.name}") as advance:
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


def _field_pairs(pairs: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep or not key or not column:
            fail(f"--field takes KEY=COLUMN (display key = file column), got {pair!r}")
        fields[key] = column
    return fields


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        project: ProjectArg,
        file: FileArg,
        fmt: FormatOpt = SourceFormat.AUTO,
        id_field: Annotated[
            str | None,
            typer.Option(
                help="Column with the item's id, or a dotted path into nested objects "
                "(`meta.id`) [default: `id` if present; Prodigy: then `meta.external_id`, "
                "`_input_hash`; else a content hash]."
            ),
        ] = None,
        field: Annotated[
            list[str] | None,
            typer.Option(
                "--field", help="KEY=COLUMN: fill display field KEY from COLUMN (repeatable)."
            ),
        ] = None,
        gold_field: Annotated[
            str | None,
            typer.Option(help="Column with the gold answer [default: `gold` if present]."),
        ] = None,
        prediction_field: Annotated[
            str | None,
            typer.Option(help="Column with a model's label [default: `prediction` if present]."),
        ] = None,
        score_field: Annotated[
            str | None,
            typer.Option(help="Column with the model's confidence [default: `score` if present]."),
        ] = None,
        priority_field: Annotated[
            str | None,
            typer.Option(help="Column with an integer priority [default: `priority` if present]."),
        ] = None,
    ) -> None:
        """Import items from CSV, JSON Lines, a JSON array, a Label Studio task file or
        Prodigy JSONL (`--format prodigy`; one item per input, however many lines repeat it).

        All-or-nothing and idempotent: any problem (reported as file:line) imports nothing;
        items already present (same id) are skipped.

        Examples:

        `python -m bot import review-sentiment examples/data/reviews.csv`

        `python -m bot import support-intent tickets.jsonl --id-field ticket_id --field text=body`

        `python -m bot import review-sentiment tasks.json --format label-studio`

        `python -m bot import review-sentiment reviews-db-out.jsonl --format prodigy`

        `python -m bot import support-intent tickets.jsonl --id-field meta.ticket_id`
        """
        mapping = ItemMapping(
            id_field=id_field,
            fields=_field_pairs(field or []),
            gold_field=gold_field,
            prediction_field=prediction_field,
            score_field=score_field,
            priority_field=priority_field,
        )

        def work(
            session: Session, proj: Project, path: Path, progress: Callable[[int], None]
        ) -> ImportSummary:
            return import_items(session, proj, path, fmt=fmt, mapping=mapping, progress=progress)

        _run_import(project, file, work, "items")

    @app.command("import-annotations")
    def import_annotations_command(
        project: ProjectArg,
        file: FileArg,
        fmt: FormatOpt = SourceFormat.AUTO,
        id_field: Annotated[
            str,
            typer.Option(
                help="Column with the item's id (as imported), or a dotted path (`meta.id`)."
            ),
        ] = "id",
        annotator_field: Annotated[
            str, typer.Option(help="Column with the annotator's id.")
        ] = "annotator",
        value_field: Annotated[str, typer.Option(help="Column with the answer.")] = "value",
    ) -> None:
        """Import existing annotations for items already imported, then settle those items.

        CSV/JSON columns: id, annotator, value; optional unsure, unsure_reason, note, seconds,
        created_at, guideline_version. Label Studio and Prodigy files need no options
        (Prodigy's ignored answers, and rejected ones that name no label, are skipped and
        counted). An annotator who already answered an item is skipped, so re-importing adds
        nothing.

        Examples:

        `python -m bot import-annotations review-sentiment history.csv`

        `python -m bot import-annotations review-sentiment ls-export.json --format label-studio`

        `python -m bot import-annotations review-sentiment reviews-db-out.jsonl --format prodigy`
        """
        mapping = AnnotationMapping(id_field, annotator_field, value_field)

        def work(
            session: Session, proj: Project, path: Path, progress: Callable[[int], None]
        ) -> ImportSummary:
            return import_annotations(
                session, proj, path, fmt=fmt, mapping=mapping, progress=progress
            )

        _run_import(project, file, work, "annotations")

    @app.command("export")
    def export_command(
        project: ProjectArg,
        fmt: Annotated[
            ExportFormat, typer.Option("--format", help="Output format.")
        ] = ExportFormat.JSONL,
        output: Annotated[
            Path | None,
            typer.Option(
                "-o",
                "--output",
                help="File to write [default: stdout]; for `--format parquet`, a new folder.",
            ),
        ] = None,
        decided_only: Annotated[
            bool,
            typer.Option(
                "--decided-only",
                help="Leave out undecided items (open or in review), which have no final label.",
            ),
        ] = False,
        layout: Annotated[
            CsvLayout | None,
            typer.Option(
                "--layout",
                help="With `--format csv`: `wide`, one row per item, or `long`, one row per "
                "answer [default: wide].",
            ),
        ] = None,
        label_config: Annotated[
            Path | None,
            typer.Option(
                "--label-config",
                help="With `--format label-studio`: also write the Label Studio labeling "
                "config (XML) the exported tasks match, to this file.",
                dir_okay=False,
            ),
        ] = None,
        split: Annotated[
            str | None,
            typer.Option(
                "--split",
                help="With `--format parquet`: NAME=FRACTION,… e.g. "
                "`train=0.8,validation=0.1,test=0.1` [default: all items in train].",
            ),
        ] = None,
        stratify: Annotated[
            bool,
            typer.Option("--stratify", help="With `--split`: give every split the same label mix."),
        ] = False,
        seed: Annotated[
            int | None,
            typer.Option(
                "--seed",
                help="With `--split`: another seed, other (still fixed) splits [default: 0].",
            ),
        ] = None,
    ) -> None:
        """Export every item with its final label, how it was decided, all annotations, the
        review rationale and the discussion. An undecided item (open, or waiting in review)
        has no final label, only its `votes`; the count of undecided items is printed.

        Examples:

        `python -m bot export review-sentiment -o labels.jsonl`

        `python -m bot export review-sentiment --format label-studio -o tasks.json
        --label-config config.xml`

        `python -m bot export review-sentiment --format ground-truth > output.manifest`

        `python -m bot export review-sentiment --format parquet -o reviews-dataset
        --split train=0.8,validation=0.1,test=0.1 --stratify`

        `python -m bot export review-sentiment --format csv | head`

        `python -m bot export review-sentiment --format csv --layout long -o answers.csv`

        `python -m bot export review-sentiment --format prodigy -o reviews.jsonl`
        """
        if label_config is not None and fmt is not ExportFormat.LABEL_STUDIO:
            fail("--label-config goes with --format label-studio")
        dataset = dataset_options(fmt, output, split, stratify, seed)
        if layout is not None and fmt is not ExportFormat.CSV:
            fail("--layout goes with --format csv")
        # A read-only snapshot: on SQLite a long export must not hold the write lock, which
        # would stall every answer in Slack for its duration.
        with (
            database() as (_settings, engine),
            read_only(make_session_factory(engine)) as session,
        ):
            proj = _project(session, project)
            undecided = count_items(session, proj.id, decided=False)
            total = count_items(session, proj.id, decided=True if decided_only else None)
            if dataset is not None:
                with _progress(err_console, total, f"Exporting {proj.slug}") as advance:
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
                    _writer(output) as out,
                    _progress(
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
                with _writer(label_config) as config_out:
                    config_out.write(labeling_config(project_spec(proj)))
        where = output or "stdout"
        held = "left out" if decided_only else "exported without a final label"
        err_console.print(
            f"Exported {written:,} items of {project} to {where} ({fmt.value}); "
            f"{undecided:,} undecided item(s) {held}."
        )


@contextmanager
def _writer(output: Path | None) -> Iterator[TextIO]:
    """stdout, or a temporary file renamed over OUTPUT only when the export succeeds. A file
    that cannot be created or written ends the command naming OUTPUT, not the temporary."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        descriptor, name = tempfile.mkstemp(dir=output.resolve().parent, prefix=f".{output.name}.")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", code=EXIT_CANNOT_WRITE)
    os.close(descriptor)
    partial = Path(name)
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        follow_umask(partial)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {output}: {exc.strerror or exc}", code=EXIT_CANNOT_WRITE)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
