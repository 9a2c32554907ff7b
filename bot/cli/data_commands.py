"""`import`, `import-annotations` and `export`: bulk data in and out (see docs/importing.md).

The commands parse and check options; `bot.cli.transfers` owns the transaction and draws the
progress bar, and the streaming functions in `bot.dataio` do the work. Nothing heavy is
imported here, so `--help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import ProjectArg, fail
from bot.cli.dataset_export import dataset_options
from bot.dataio.formats import CsvLayout, ExportFormat
from bot.dataio.readers import SourceFormat

FileArg = Annotated[
    Path, typer.Argument(metavar="FILE", help="Input file.", exists=True, dir_okay=False)
]
FormatOpt = Annotated[
    SourceFormat, typer.Option("--format", help="Input format; `auto` uses the file extension.")
]


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
        from bot.cli.transfers import import_item_file
        from bot.dataio.items import ItemMapping

        mapping = ItemMapping(
            id_field=id_field,
            fields=_field_pairs(field or []),
            gold_field=gold_field,
            prediction_field=prediction_field,
            score_field=score_field,
            priority_field=priority_field,
        )
        import_item_file(project, file, fmt, mapping)

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
        from bot.cli.transfers import import_annotation_file
        from bot.dataio.annotations import AnnotationMapping

        import_annotation_file(
            project, file, fmt, AnnotationMapping(id_field, annotator_field, value_field)
        )

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
        from bot.cli.transfers import export_file

        export_file(
            project,
            fmt,
            output,
            decided_only=decided_only,
            layout=layout,
            label_config=label_config,
            dataset=dataset,
        )
