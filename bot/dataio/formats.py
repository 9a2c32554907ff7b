"""The export formats and layouts by name: what the command line offers as choices.

Kept apart from the writers, which need the project model, so that `python -m bot --help`
can list the choices without loading them.
"""

from __future__ import annotations

import enum


class ExportFormat(enum.StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    LABEL_STUDIO = "label-studio"
    GROUND_TRUTH = "ground-truth"
    PRODIGY = "prodigy"
    PARQUET = "parquet"  # a folder, not a text stream: bot.dataio.parquet_export


class CsvLayout(enum.StrEnum):
    """`wide`: one row per item; `long`: one row per answer (the shape pandas analyses want)."""

    WIDE = "wide"
    LONG = "long"
