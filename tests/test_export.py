"""Exports in every format carry final labels, their method, answers, review and discussion."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.export import export_project, item_records
from bot.dataio.formats import ExportFormat
from bot.dataio.readers import SourceFormat
from bot.dataio.writers import JsonLinesWriter
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, Comment, Item, Review, ReviewReason, ReviewStatus
from storage.projects import project_named
from tests.dataio_helpers import (
    items_by_external_id,
    run_annotations,
    run_items,
    setup_project,
    write,
)
from tests.factories import make_spec

ITEMS = (
    "id,text,product,gold,prediction,score\n"
    "r1,Great,Aurora,,positive,0.9\nr2,Awful,Aurora,negative,,\nr3,Hmm,Aurora,,,\n"
)
ANSWERS = (
    "id,annotator,value,seconds,unsure,unsure_reason,note\n"
    "r1,U1,positive,2.5,,,\nr1,U2,positive,3,,,\n"
    "r2,U1,negative,1,,,\nr2,U2,negative,1,,,\n"
    "r3,U1,,4,true,ambiguous,sarcasm?\n"
)


@pytest.fixture
def labeled(session_factory: SessionFactory, tmp_path: Path) -> SessionFactory:
    """Two settled items (consensus, gold), one with an unsure answer, a review and comments."""
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    run_items(session_factory, "sentiment", write(tmp_path / "items.csv", ITEMS))
    run_annotations(session_factory, "sentiment", write(tmp_path / "answers.csv", ANSWERS))
    with unit_of_work(session_factory) as session:
        r3 = session.scalars(select(Item).where(Item.external_id == "r3")).one()
        old = Review(
            item_id=r3.id,
            project_id=r3.project_id,
            reason=ReviewReason.MANUAL,
            status=ReviewStatus.SENT_BACK,
        )
        session.add(old)
        session.flush()
        session.add(
            Review(
                item_id=r3.id,
                project_id=r3.project_id,
                reason=ReviewReason.UNSURE,
                status=ReviewStatus.RESOLVED,
                resolution="neutral",
                resolver="ULEAD",
                resolution_note="No opinion expressed",
                resolved_at=datetime(2026, 1, 3, tzinfo=UTC),
            )
        )
        when = datetime(2026, 1, 2, 9, tzinfo=UTC)
        session.add_all(
            [
                Comment(
                    item_id=r3.id,
                    author="U1",
                    text="Is this sarcasm?",
                    channel="C1",
                    message_ts="1.1",
                    created_at=when,
                ),
                Comment(
                    item_id=r3.id,
                    author="U2",
                    text="oops",
                    channel="C1",
                    message_ts="1.2",
                    deleted_at=when,
                ),
            ]
        )
        first = session.scalars(select(Annotation).where(Annotation.annotator == "U1")).first()
        assert first is not None
        first.superseded_at = when
    return session_factory


def export(
    factory: SessionFactory, fmt: ExportFormat, slug: str = "sentiment", batch_size: int = 2
) -> str:
    out = io.StringIO()
    with unit_of_work(factory) as session:
        export_project(session, project_named(session, slug), fmt, out, batch_size=batch_size)
    return out.getvalue()


def test_jsonl_export_explains_every_label(labeled: SessionFactory) -> None:
    records = {
        r["external_id"]: r
        for r in map(json.loads, export(labeled, ExportFormat.JSONL).splitlines())
    }

    assert list(records) == ["r1", "r2", "r3"]
    r1, r2, r3 = records["r1"], records["r2"], records["r3"]
    assert (r1["final_label"], r1["final_method"], r1["status"]) == (
        "positive",
        "consensus",
        "complete",
    )
    assert (r2["final_label"], r2["final_method"]) == ("negative", "gold")
    assert r1["data"] == {"text": "Great", "product": "Aurora"}
    assert (r1["prediction"], r1["prediction_score"]) == ("positive", 0.9)
    first = r1["annotations"][0]
    assert (first["annotator"], first["value"], first["seconds"], first["superseded"]) == (
        "U1",
        "positive",
        2.5,
        True,
    )
    assert first["superseded_at"].startswith("2026-01-02T09:00:00")
    assert r1["annotations"][1]["superseded"] is False
    unsure = r3["annotations"][0]
    assert (unsure["unsure"], unsure["unsure_reason"], unsure["unsure_note"], unsure["value"]) == (
        True,
        "ambiguous",
        "sarcasm?",
        None,
    )
    assert r3["review"] == {
        "reason": "unsure",
        "reasons": ["unsure"],
        "status": "resolved",
        "resolution": "neutral",
        "resolver": "ULEAD",
        "resolution_note": "No opinion expressed",
        "created_at": r3["review"]["created_at"],
        "resolved_at": "2026-01-03T00:00:00+00:00",
    }
    assert [(c["author"], c["text"]) for c in r3["discussion"]] == [("U1", "Is this sarcasm?")]


def test_jsonl_export_writes_exactly_what_the_json_lines_writer_makes_of_the_records(
    labeled: SessionFactory,
) -> None:
    """The JSON Lines export is built as text from raw rows, for speed; it must not differ by
    a byte from encoding the export records, whatever the stored text holds."""
    data: dict[str, Any] = {
        "text": 'café "quoted" back\\slash\nline\ttab \x01 ☃ 😀',
        "small": 1.5e-07,
        "big": 10**20,
        "nested": {"a": [1, None, True, -0.0]},
    }
    sqlite = labeled.kw["bind"].dialect.name == "sqlite"
    with unit_of_work(labeled) as session:
        project = project_named(session, "sentiment")
        session.add(
            Item(
                project_id=project.id,
                external_id='odd ☃ "id"',
                data=data,
                required_answers=2,
                prediction=["négatif"],
                prediction_score=float("inf"),
                # Python's encoder writes NaN, which SQLite's json() rejects (PostgreSQL too)
                gold_answer={"odd": float("nan")} if sqlite else None,
                completed_at=datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC),
            )
        )

    with unit_of_work(labeled) as session:
        records = item_records(session, project_named(session, "sentiment"), batch_size=2)
        expected = "".join(JsonLinesWriter().item(r) for batch in records for r in batch)

    assert export(labeled, ExportFormat.JSONL) == expected
    assert "odd ☃" in expected and "😀" in expected


def test_csv_export_has_one_row_per_item_with_nested_parts_as_json(labeled: SessionFactory) -> None:
    rows = list(csv.DictReader(io.StringIO(export(labeled, ExportFormat.CSV))))

    assert [r["external_id"] for r in rows] == ["r1", "r2", "r3"]
    assert (
        rows[0]["text"],
        rows[0]["product"],
        rows[0]["final_label"],
        rows[0]["final_method"],
    ) == ("Great", "Aurora", "positive", "consensus")
    assert json.loads(rows[0]["data"]) == {"text": "Great", "product": "Aurora"}
    assert [a["annotator"] for a in json.loads(rows[0]["annotations"])] == ["U1", "U2"]
    assert (rows[2]["review_resolution"], rows[2]["review_resolver"]) == ("neutral", "ULEAD")
    assert json.loads(rows[2]["discussion"])[0]["text"] == "Is this sarcasm?"


def test_label_studio_export_round_trips_into_a_new_project(
    labeled: SessionFactory, tmp_path: Path
) -> None:
    text = export(labeled, ExportFormat.LABEL_STUDIO)
    tasks = json.loads(text)
    r1 = tasks[0]
    assert r1["data"] == {"text": "Great", "product": "Aurora"}
    assert r1["meta"]["external_id"] == "r1"
    assert r1["annotations"] == [
        {
            "completed_by": {"email": "U2@slack.invalid"},
            "result": [
                {
                    "from_name": "label",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["positive"]},
                }
            ],
            "lead_time": 3.0,
            "created_at": r1["annotations"][0]["created_at"],
            "was_cancelled": False,
            "ground_truth": False,
        }
    ]
    assert r1["predictions"][0]["score"] == 0.9

    setup_project(labeled, make_spec("copy", overlap=2))
    path = write(tmp_path / "ls.json", text)
    run_items(labeled, "copy", path)
    run_annotations(labeled, "copy", path, fmt=SourceFormat.LABEL_STUDIO)
    copied = export(labeled, ExportFormat.JSONL, slug="copy")
    records = {r["external_id"]: r for r in map(json.loads, copied.splitlines())}
    assert records["r1"]["data"] == {"text": "Great", "product": "Aurora"}
    assert records["r1"]["prediction"] == "positive"
    assert (records["r2"]["gold_answer"], records["r2"]["final_method"]) == ("negative", "gold")
    assert [a["annotator"] for a in records["r2"]["annotations"]] == ["U1", "U2"]


def test_ground_truth_export_writes_class_index_and_metadata(labeled: SessionFactory) -> None:
    lines = [json.loads(line) for line in export(labeled, ExportFormat.GROUND_TRUTH).splitlines()]

    r1 = lines[0]
    assert (r1["source"], r1["sentiment"]) == ("Great", 0)
    meta = r1["sentiment-metadata"]
    assert meta["class-name"] == "positive"
    assert meta["type"] == "groundtruth/text-classification"
    assert (meta["job-name"], meta["human-annotated"]) == ("sentiment", "yes")
    assert (
        meta["confidence"] == 0.0
    )  # one current answer (U1's was superseded), as Ground Truth does
    assert lines[1]["sentiment"] == 2 and lines[1]["sentiment-metadata"]["confidence"] == 1.0
    assert "sentiment" not in lines[2]


def test_ground_truth_multi_label_uses_class_map(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("intent", "multi_choice", overlap=2))
    run_items(session_factory, "intent", write(tmp_path / "i.csv", "id,text\nm1,x\n"))
    answers = "id,annotator,value\nm1,U1,login|shipping\nm1,U2,login|shipping\n"
    run_annotations(session_factory, "intent", write(tmp_path / "a.csv", answers))

    line = json.loads(export(session_factory, ExportFormat.GROUND_TRUTH, slug="intent"))

    assert line["intent"] == [1, 2]
    meta = line["intent-metadata"]
    assert meta["class-map"] == {"1": "login", "2": "shipping"}
    assert meta["confidence-map"] == {"1": 1.0, "2": 1.0}
    assert meta["type"] == "groundtruth/text-classification-multilabel"


def test_free_text_exports_as_label_studio_textarea_and_not_as_ground_truth(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("transcribe", "free_text"))
    run_items(
        session_factory, "transcribe", write(tmp_path / "i.jsonl", '{"id": "c1", "text": "helo"}\n')
    )
    run_annotations(
        session_factory,
        "transcribe",
        write(tmp_path / "a.csv", "id,annotator,value\nc1,U1,hello\n"),
    )

    task = json.loads(export(session_factory, ExportFormat.LABEL_STUDIO, slug="transcribe"))[0]

    assert task["annotations"][0]["result"][0]["type"] == "textarea"
    assert task["annotations"][0]["result"][0]["value"] == {"text": ["hello"]}
    with pytest.raises(ValueError, match="not free text"):
        export(session_factory, ExportFormat.GROUND_TRUTH, slug="transcribe")


def test_export_streams_all_items_in_id_order_across_batches(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("sentiment"))
    rows = "".join(f"i{n:03},text {n}\n" for n in range(25))
    run_items(session_factory, "sentiment", write(tmp_path / "i.csv", "id,text\n" + rows))
    expected = [i.external_id for i in items_by_external_id(session_factory).values()]

    records = [
        json.loads(line)
        for line in export(session_factory, ExportFormat.JSONL, batch_size=4).splitlines()
    ]

    assert [r["external_id"] for r in records] == expected


# Parquet writes a folder: tests/test_parquet_export.py
@pytest.mark.parametrize("fmt", [f.value for f in ExportFormat if f is not ExportFormat.PARQUET])
def test_cli_export_writes_a_file_in_every_format(
    labeled: SessionFactory,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    target = tmp_path / f"out.{fmt}"

    result = CliRunner().invoke(app, ["export", "sentiment", "--format", fmt, "-o", str(target)])

    assert result.exit_code == 0, result.output
    assert "Exported 3 items" in result.output
    text = target.read_text(encoding="utf-8")
    parsed: Any = json.loads(text) if fmt == "label-studio" else text.splitlines()
    # CSV: a header and 3 items; Prodigy: one line per current answer (1 + 2 + 1).
    assert len(parsed) == (4 if fmt in ("csv", "prodigy") else 3)
    assert list(tmp_path.glob(".out.*")) == []


def test_cli_export_to_stdout_prints_only_data(
    labeled: SessionFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    result = CliRunner().invoke(app, ["export", "sentiment"])

    assert result.exit_code == 0
    assert [json.loads(line)["external_id"] for line in result.stdout.splitlines()] == [
        "r1",
        "r2",
        "r3",
    ]
