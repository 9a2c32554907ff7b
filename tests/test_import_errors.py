"""Bad input is reported with file and line, exits non-zero and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.problems import MAX_FIELD_BYTES, MAX_PROBLEMS, ImportFailed
from storage import bulk
from storage.db import SessionFactory, unit_of_work
from tests.dataio_helpers import count_rows, run_annotations, run_items, setup_project, write
from tests.factories import make_spec

GOOD_ROWS = "".join(f"g{i},fine text {i}\n" for i in range(30))


@pytest.fixture
def sentiment(session_factory: SessionFactory) -> SessionFactory:
    setup_project(session_factory, make_spec("sentiment"))
    return session_factory


def expect_failure(factory: SessionFactory, path: Path, **options: object) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        run_items(factory, "sentiment", path, batch_size=5, **options)
    assert count_rows(factory) == (0, 0)
    return caught.value


CASES = {
    "wrong encoding": (
        "bad.csv",
        b"id,text\n" + GOOD_ROWS.encode() + "x,caf\xe9\n".encode("latin-1"),
        32,
        "not UTF-8",
    ),
    "missing column": ("bad.csv", b"id,body\n1,hello\n", 1, "missing column(s) text"),
    "invalid JSON line": (
        "bad.jsonl",
        b'{"id": 1, "text": "a"}\n{"id": 2, "text": }\n',
        2,
        "invalid JSON",
    ),
    "empty file": ("empty.csv", b"", 1, "no records"),
    "header only": ("empty.csv", b"id,text\n", 1, "no records"),
    "empty JSON array": ("empty.json", b"[]", 1, "no records"),
    "unknown label": (
        "bad.csv",
        b"id,text,gold\n1,a,positive\n2,b,great\n",
        3,
        "unknown label 'great'",
    ),
    "ragged row": ("bad.csv", b"id,text\n1,a,extra\n", 2, "expected 2 columns"),
    "not an object": (
        "bad.jsonl",
        b'{"id": 1, "text": "a"}\n[1, 2]\n',
        2,
        "expected a JSON object",
    ),
    "unclosed array": (
        "bad.json",
        b'[\n{"id": 1, "text": "a"},\n{"id": 2, "text": "b"\n',
        3,
        "invalid JSON",
    ),
    "NaN in JSON Lines": (
        "bad.jsonl",
        b'{"id": 1, "text": "a"}\n{"id": 2, "text": "b", "stars": NaN}\n',
        2,
        "invalid JSON (NaN is not a JSON value)",
    ),
    "Infinity in a JSON array": (
        "bad.json",
        b'[\n{"id": 1, "text": "a"},\n{"id": 2, "text": "b", "score": -Infinity}\n]\n',
        3,
        "invalid JSON (-Infinity is not a JSON value)",
    ),
    "missing field in JSON": (
        "bad.jsonl",
        b'{"id": 1, "body": "a"}\n',
        1,
        "missing field(s) 'text'",
    ),
    "bad score": ("bad.csv", b"id,text,score\n1,a,high\n", 2, "score must be a number"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_names_file_and_line_and_imports_nothing(
    sentiment: SessionFactory, tmp_path: Path, case: str
) -> None:
    name, content, line, message = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)

    failure = expect_failure(sentiment, path)

    first = str(failure.problems[0])
    assert first.startswith(f"{path}:{line}: "), first
    assert message in first


def test_an_oversized_field_is_rejected_with_the_documented_limit(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    huge = "x" * (MAX_FIELD_BYTES + 1)
    path = write(
        tmp_path / "big.jsonl",
        '{"id": 1, "text": "ok"}\n' + json.dumps({"id": 2, "text": huge}) + "\n",
    )

    failure = expect_failure(sentiment, path)

    assert str(failure.problems[0]).startswith(f"{path}:2: field 'text' is 100,001 bytes")


def test_an_oversized_csv_field_is_rejected_too(sentiment: SessionFactory, tmp_path: Path) -> None:
    path = write(tmp_path / "big.csv", "id,text\n1,ok\n2," + "y" * 200_000 + "\n")

    failure = expect_failure(sentiment, path)

    assert str(failure.problems[0]).startswith(f"{path}:3: ")


def test_a_late_error_rolls_back_batches_already_inserted(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "late.csv", "id,text,gold\n" + GOOD_ROWS.replace("\n", ",\n") + "z,last,wrong\n"
    )

    failure = expect_failure(sentiment, path)

    assert [p.line for p in failure.problems] == [32]


def test_a_database_error_in_a_batch_rolls_back_and_keeps_the_search_trigger(
    sentiment: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite batches are written on a background thread with the search trigger set aside;
    a failure there reaches the caller, and the rollback leaves schema and data as they were."""
    if sentiment.kw["bind"].dialect.name != "sqlite":
        pytest.skip("the background writer and the FTS5 trigger are SQLite's")
    path = write(tmp_path / "ok.csv", "id,text\n" + GOOD_ROWS)
    monkeypatch.setattr(bulk, "_SQLITE_INSERT_ITEMS", "INSERT INTO no_such_table VALUES (?)")

    with pytest.raises(OperationalError, match="no_such_table"):
        run_items(sentiment, "sentiment", path, batch_size=5)

    assert count_rows(sentiment) == (0, 0)
    with unit_of_work(sentiment) as session:
        triggers = session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'items'")
        ).all()
    assert "items_fts_after_insert" in triggers


def test_scanning_continues_to_report_many_problems_up_to_a_limit(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    rows = "".join(f"{i},text,nope\n" for i in range(50))
    path = write(tmp_path / "many.csv", "id,text,gold\n" + rows)

    failure = expect_failure(sentiment, path)

    assert len(failure.problems) == MAX_PROBLEMS
    assert failure.truncated
    assert [p.line for p in failure.problems[:3]] == [2, 3, 4]


def test_annotations_for_unknown_items_or_labels_write_nothing(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "items.csv", "id,text\na,x\nb,y\n"))
    answers = "id,annotator,value\na,U1,positive\nzzz,U1,positive\nb,U1,fabulous\nb,U2,\n"

    with pytest.raises(ImportFailed) as caught:
        run_annotations(
            sentiment, "sentiment", write(tmp_path / "answers.csv", answers), batch_size=2
        )

    lines = {p.line: p.message for p in caught.value.problems}
    assert "no item 'zzz'" in lines[3]
    assert "unknown label 'fabulous'" in lines[4]
    assert "empty answer" in lines[5]
    assert count_rows(sentiment) == (2, 0)


def test_cli_reports_problems_and_exits_non_zero(
    sentiment: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write(tmp_path / "bad.csv", "id,text,gold\n1,a,positive\n2,b,great\n")

    result = CliRunner().invoke(app, ["import", "sentiment", str(path)])

    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert f"{path}:3: unknown label 'great'" in result.output.replace("\n", "")
    assert count_rows(sentiment) == (0, 0)


def test_cli_rejects_an_unknown_project(
    sentiment: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write(tmp_path / "ok.csv", "id,text\n1,a\n")

    result = CliRunner().invoke(app, ["import", "nope", str(path)])

    assert result.exit_code == 1
    assert "no project 'nope'" in result.output
