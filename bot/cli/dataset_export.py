"""`export --format parquet`: a Hugging Face dataset folder (see docs/importing.md).

Checks the dataset options before the database is opened, then writes the folder whole
(`output_files.new_directory`) with `bot.dataio.parquet_export`, which needs pyarrow: without
it the command says which extra to install.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from bot.cli.app import err_console, fail
from bot.cli.output_files import new_directory
from bot.dataio.formats import ExportFormat

if TYPE_CHECKING:  # imported when used: `--help` and the text formats need none of them
    from sqlalchemy.orm import Session

    from bot.dataio.splits import SplitPlan
    from storage.models import Project

INSTALL = "pip install 'slack-labeler[parquet]'"


@dataclass(frozen=True)
class DatasetOptions:
    output: Path
    plan: SplitPlan
    stratify: bool
    seed: int


def dataset_options(
    fmt: ExportFormat, output: Path | None, split: str | None, stratify: bool, seed: int | None
) -> DatasetOptions | None:
    """The Parquet export's options, or None for a text format; a misuse ends the command."""
    if fmt is not ExportFormat.PARQUET:
        if split is not None or stratify or seed is not None:
            fail("--split, --stratify and --seed go with --format parquet")
        return None
    if output is None:
        fail(
            "--format parquet writes a folder (a Parquet file per split and a README.md "
            "dataset card), not a stream: name it with -o DIR"
        )
    if split is None and (stratify or seed is not None):
        fail("--stratify and --seed go with --split (without it, every item is in train)")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        fail(f"--format parquet needs pyarrow, which is not installed: {escape(INSTALL)}")
    from bot.dataio.splits import ONE_SPLIT, parse_splits

    try:
        plan = parse_splits(split) if split is not None else ONE_SPLIT
    except ValueError as exc:
        fail(escape(f"--split {split}: {exc}"))
    return DatasetOptions(output, plan, stratify, 0 if seed is None else seed)


def export_dataset(
    session: Session,
    project: Project,
    options: DatasetOptions,
    *,
    decided_only: bool,
    undecided: int,
    advance: Callable[[int], None],
) -> None:
    """Write the folder and say what went where."""
    from bot.dataio.parquet_export import write_dataset  # pyarrow: checked by dataset_options

    done = [0]

    def step(count: int) -> None:
        done[0] += count
        advance(done[0])

    with new_directory(options.output) as folder:
        try:
            summary = write_dataset(
                session,
                project,
                folder,
                plan=options.plan,
                stratify=options.stratify,
                seed=options.seed,
                decided_only=decided_only,
                progress=step,
            )
        except ValueError as exc:
            fail(escape(str(exc)))
    splits = ", ".join(f"{name} {summary.splits[name].rows:,}" for name in summary.plan.names)
    held = "left out" if decided_only else "exported with a null label"
    err_console.print(
        f"Exported {summary.rows:,} items of {project.slug} to {options.output} (parquet: "
        f"{splits}, and README.md); {undecided:,} undecided item(s) {held}.",
        markup=False,
        highlight=False,
    )
    empty = [name for name in summary.plan.names if not summary.splits[name].rows]
    if empty:
        err_console.print(
            f"Warning: no item fell in {', '.join(empty)}, so it has no file "
            "(the project has too few items for that share).",
            markup=False,
        )
