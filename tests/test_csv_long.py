"""`export --format csv --layout long`: one row per answer, the shape analysts load into pandas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.export import export_project
from bot.dataio.formats import CsvLayout, ExportFormat
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation
from storage.projects import project_named
from tests.dataio_helpers import run_annotations, run_items, setup_project, write
from tests.factories import make_spec

COLUMNS = [
    "external_id",
    "annotator",
    "value",
    "unsure",
    "unsure_reason",
    "unsure_note",
    "seconds",
    "guideline_version",
    "source",
    "created_at",
    "superseded",
    "superseded_at",
    "final_label",
    "final_method",
]


@pytest.fixture
def answered(session_factory: SessionFactory, tmp_path: Path) -> SessionFactory:
    """`r1` decided by two answers (and an earlier one of U1's, superseded), `r2` one unsure
    answer, `r3` unanswered."""
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    run_items(
        session_factory, "sentiment", write(tmp_path / "i.csv", "id,text\nr1,A\nr2,B\nr3,C\n")
    )
    answers = (
        "id,annotator,value,seconds,unsure,unsure_reason,guideline_version,created_at\n"
        "r1,U1,positive,2.5,,,v1,2024-05-01T10:00:00\n"
        "r1,U2,positive,3,,,v1,2024-05-01T11:00:00\n"
        "r2,U1,,4,true,ambiguous,v2,2024-05-02T09:00:00\n"
    )
    run_annotations(session_factory, "sentiment", write(tmp_path / "a.csv", answers))
    with unit_of_work(session_factory) as session:
        first = session.scalars(select(Annotation).where(Annotation.annotator == "U1")).first()
        assert first is not None
        session.add(
            Annotation(
                item_id=first.item_id,
                project_id=first.project_id,
                annotator="U1",
                value="negative",
                created_at=datetime(2024, 5, 1, 9, tzinfo=UTC),
                superseded_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
            )
        )
    return session_factory


def long_csv(factory: SessionFactory, slug: str = "sentiment", batch_size: int = 1) -> str:
    out = io.StringIO()
    with unit_of_work(factory) as session:
        export_project(
            session,
            project_named(session, slug),
            ExportFormat.CSV,
            out,
            batch_size=batch_size,
            layout=CsvLayout.LONG,
        )
    return out.getvalue()


def test_long_csv_has_one_row_per_answer_superseded_ones_flagged(answered: SessionFactory) -> None:
    reader = csv.DictReader(io.StringIO(long_csv(answered)))
    rows = list(reader)

    assert reader.fieldnames == COLUMNS
    assert [(r["external_id"], r["annotator"], r["value"], r["superseded"]) for r in rows] == [
        ("r1", "U1", "positive", "false"),
        ("r1", "U2", "positive", "false"),
        ("r1", "U1", "negative", "true"),
        ("r2", "U1", "", "false"),
    ]
    first, superseded = rows[0], rows[2]
    assert (first["seconds"], first["guideline_version"], first["source"]) == (
        "2.5",
        "v1",
        "import",
    )
    assert first["created_at"] == "2024-05-01T10:00:00+00:00"
    assert (first["superseded_at"], first["unsure"]) == ("", "false")
    assert superseded["superseded_at"] == "2024-05-01T10:00:00+00:00"


def test_each_row_carries_its_items_final_label_and_method_empty_while_undecided(
    answered: SessionFactory,
) -> None:
    rows = list(csv.DictReader(io.StringIO(long_csv(answered))))

    assert {(r["external_id"], r["final_label"], r["final_method"]) for r in rows} == {
        ("r1", "positive", "consensus"),
        ("r2", "", ""),
    }
    unsure = rows[-1]
    assert (unsure["unsure"], unsure["unsure_reason"], unsure["value"]) == ("true", "ambiguous", "")


def test_an_item_nobody_answered_has_no_row(answered: SessionFactory) -> None:
    rows = list(csv.DictReader(io.StringIO(long_csv(answered))))

    assert "r3" not in {r["external_id"] for r in rows}


def test_multi_choice_answers_are_pipe_separated_like_the_wide_layout(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("intent", "multi_choice"))
    run_items(session_factory, "intent", write(tmp_path / "i.csv", "id,text\nt1,Cannot pay\n"))
    answers = write(tmp_path / "a.csv", 'id,annotator,value\nt1,U1,"[""login"",""billing""]"\n')
    run_annotations(session_factory, "intent", answers)

    [row] = list(csv.DictReader(io.StringIO(long_csv(session_factory, "intent"))))

    assert (row["value"], row["final_label"]) == ("billing|login", "billing|login")


def test_the_output_is_the_same_whatever_the_batch_size(answered: SessionFactory) -> None:
    assert long_csv(answered, batch_size=1) == long_csv(answered, batch_size=1000)


def test_the_cli_writes_the_long_layout_and_wide_stays_the_default(
    answered: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    long_file, wide_file, default_file = (tmp_path / f"{n}.csv" for n in ("l", "w", "d"))

    results = [
        runner.invoke(app, ["export", "sentiment", "--format", "csv", *extra, "-o", str(out)])
        for extra, out in [
            (["--layout", "long"], long_file),
            (["--layout", "wide"], wide_file),
            ([], default_file),
        ]
    ]

    assert [r.exit_code for r in results] == [0, 0, 0], [r.output for r in results]
    assert long_file.read_text(encoding="utf-8") == long_csv(answered)
    assert wide_file.read_text(encoding="utf-8") == default_file.read_text(encoding="utf-8")
    assert len(default_file.read_text(encoding="utf-8").splitlines()) == 4  # header + 3 items


@pytest.mark.parametrize("fmt", ["jsonl", "prodigy", "label-studio"])
def test_a_layout_with_another_format_is_refused(
    answered: SessionFactory,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "out"

    result = CliRunner().invoke(
        app, ["export", "sentiment", "--format", fmt, "--layout", "long", "-o", str(out)]
    )

    assert result.exit_code != 0
    assert "--layout goes with --format csv" in " ".join(result.output.split())
    assert not out.exists()


def test_the_exporter_refuses_the_long_layout_for_other_formats(answered: SessionFactory) -> None:
    with unit_of_work(answered) as session, pytest.raises(ValueError, match="CSV layout"):
        export_project(
            session,
            project_named(session, "sentiment"),
            ExportFormat.JSONL,
            io.StringIO(),
            layout=CsvLayout.LONG,
        )
