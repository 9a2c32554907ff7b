"""`--id-field` as a dotted path (`meta.id`): one rule for every reader, items and answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.annotations import AnnotationMapping
from bot.dataio.items import ItemMapping
from bot.dataio.paths import MISSING, lookup, value_at
from bot.dataio.problems import ImportFailed
from bot.dataio.readers import SourceFormat
from storage.db import SessionFactory
from tests.dataio_helpers import (
    count_rows,
    items_by_external_id,
    run_annotations,
    run_items,
    setup_project,
    write,
)
from tests.factories import make_spec

NESTED = {"text": "hello", "meta": {"id": "m1", "source": "shop"}}


@pytest.fixture
def sentiment(session_factory: SessionFactory) -> SessionFactory:
    setup_project(session_factory, make_spec("sentiment"))
    return session_factory


def test_a_dotted_path_reaches_into_nested_objects_and_a_literal_key_wins() -> None:
    record = {"meta": {"id": "nested", "deep": {"x": 0}}, "meta.id": "literal", "n": 5}

    assert lookup(record, "meta.id") == "literal"
    assert lookup(NESTED, "meta.id") == "m1"
    assert value_at(record, "meta.deep.x") == 0
    assert lookup(record, "meta.missing") is MISSING
    assert lookup(record, "n.x") is MISSING  # 5 is not an object
    assert value_at(record, "absent", "default") == "default"


@pytest.mark.parametrize(
    ("name", "content", "fmt", "id_field"),
    [
        ("items.csv", "meta.id,text\nm1,hello\n", SourceFormat.AUTO, "meta.id"),
        ("items.jsonl", json.dumps(NESTED) + "\n", SourceFormat.AUTO, "meta.id"),
        ("items.json", json.dumps([NESTED]), SourceFormat.AUTO, "meta.id"),
        (
            "tasks.json",
            json.dumps([{"data": {"text": "hello"}, "meta": {"id": "m1"}, "id": 9}]),
            SourceFormat.LABEL_STUDIO,
            "meta.id",
        ),
        (
            "tasks.json",
            json.dumps([{"data": {"text": "hello", "doc": {"uid": "m1"}}, "id": 9}]),
            SourceFormat.LABEL_STUDIO,
            "doc.uid",
        ),
        (
            "tasks.json",
            json.dumps([{"data": {"text": "hello", "uid": "m1"}, "id": 9}]),
            SourceFormat.LABEL_STUDIO,
            "data.uid",
        ),
        ("db-out.jsonl", json.dumps({**NESTED, "_input_hash": 5}), SourceFormat.PRODIGY, "meta.id"),
    ],
)
def test_every_item_reader_takes_the_id_from_a_dotted_path(
    sentiment: SessionFactory,
    tmp_path: Path,
    name: str,
    content: str,
    fmt: SourceFormat,
    id_field: str,
) -> None:
    path = write(tmp_path / name, content)

    run_items(sentiment, "sentiment", path, fmt=fmt, mapping=ItemMapping(id_field=id_field))

    assert list(items_by_external_id(sentiment)) == ["m1"]


def test_the_nested_object_holding_the_id_stays_in_the_items_data(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write(tmp_path / "items.jsonl", json.dumps(NESTED) + "\n")

    run_items(sentiment, "sentiment", path, mapping=ItemMapping(id_field="meta.id"))

    assert items_by_external_id(sentiment)["m1"].data == NESTED


def test_other_field_options_take_dotted_paths_too(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    record = {"text": "hi", "model": {"label": "positive", "p": 0.8}, "meta": {"id": "m1"}}
    path = write(tmp_path / "items.jsonl", json.dumps(record) + "\n")
    mapping = ItemMapping(id_field="meta.id", prediction_field="model.label", score_field="model.p")

    run_items(sentiment, "sentiment", path, mapping=mapping)

    item = items_by_external_id(sentiment)["m1"]
    assert (item.prediction, item.prediction_score) == ("positive", 0.8)


@pytest.mark.parametrize(
    ("name", "line", "fmt"),
    [
        ("items.jsonl", {"text": "no id here"}, SourceFormat.JSONL),
        ("db-out.jsonl", {"text": "no id here", "_input_hash": 5}, SourceFormat.PRODIGY),
    ],
)
def test_an_explicit_path_that_leads_nowhere_is_a_problem_at_its_line(
    sentiment: SessionFactory, tmp_path: Path, name: str, line: dict[str, str], fmt: SourceFormat
) -> None:
    path = write(tmp_path / name, json.dumps(NESTED) + "\n" + json.dumps(line) + "\n")

    with pytest.raises(ImportFailed, match=rf"{name}:2: missing .*field 'meta\.id'"):
        run_items(sentiment, "sentiment", path, fmt=fmt, mapping=ItemMapping(id_field="meta.id"))

    assert count_rows(sentiment) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("answers.csv", "item.id,annotator,value\nm1,U1,positive\n", SourceFormat.AUTO),
        (
            "answers.jsonl",
            json.dumps({"item": {"id": "m1"}, "annotator": "U1", "value": "positive"}),
            SourceFormat.AUTO,
        ),
        (
            "answers.json",
            json.dumps([{"item": {"id": "m1"}, "annotator": "U1", "value": "positive"}]),
            SourceFormat.AUTO,
        ),
        (
            "ls.json",
            json.dumps(
                [
                    {
                        "data": {"text": "hello"},
                        "item": {"id": "m1"},
                        "annotations": [
                            {
                                "completed_by": "U1",
                                "result": [{"value": {"choices": ["positive"]}}],
                            }
                        ],
                    }
                ]
            ),
            SourceFormat.LABEL_STUDIO,
        ),
        (
            "db-out.jsonl",
            json.dumps(
                {
                    "text": "hello",
                    "item": {"id": "m1"},
                    "label": "positive",
                    "answer": "accept",
                    "_annotator_id": "U1",
                }
            ),
            SourceFormat.PRODIGY,
        ),
    ],
)
def test_every_answer_reader_finds_the_item_by_a_dotted_path(
    sentiment: SessionFactory, tmp_path: Path, name: str, content: str, fmt: SourceFormat
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "items.csv", "id,text\nm1,hello\n"))
    path = write(tmp_path / name, content)

    summary = run_annotations(
        sentiment, "sentiment", path, fmt=fmt, mapping=AnnotationMapping(id_field="item.id")
    )

    assert summary.inserted == 1
    assert items_by_external_id(sentiment)["m1"].final_label == "positive"


def test_the_annotator_and_value_columns_take_dotted_paths_too(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "items.csv", "id,text\nm1,hello\n"))
    record = {"task": {"id": "m1"}, "who": {"slack": "U1"}, "result": {"label": "negative"}}
    path = write(tmp_path / "answers.jsonl", json.dumps(record))

    run_annotations(
        sentiment,
        "sentiment",
        path,
        mapping=AnnotationMapping("task.id", "who.slack", "result.label"),
    )

    assert items_by_external_id(sentiment)["m1"].final_label == "negative"


def test_the_cli_takes_a_dotted_id_field(
    sentiment: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write(tmp_path / "items.jsonl", json.dumps(NESTED) + "\n")

    result = CliRunner().invoke(app, ["import", "sentiment", str(path), "--id-field", "meta.id"])

    assert result.exit_code == 0, result.output
    assert list(items_by_external_id(sentiment)) == ["m1"]
