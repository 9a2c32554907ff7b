"""Prodigy JSONL in and out: items and answers from `prodigy db-out`, our export in its shape."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.export import export_project
from bot.dataio.formats import ExportFormat
from bot.dataio.items import ItemMapping
from bot.dataio.problems import ImportFailed
from bot.dataio.prodigy_writer import ProdigyWriter
from bot.dataio.readers import SourceFormat, detect_format
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, Item
from storage.projects import project_named
from tests.dataio_helpers import (
    count_rows,
    items_by_external_id,
    run_annotations,
    run_items,
    setup_project,
    write,
)
from tests.factories import make_spec

PRODIGY = SourceFormat.PRODIGY
OPTIONS = [
    {"id": "POSITIVE", "text": "Positive"},
    {"id": "NEUTRAL", "text": "Neutral"},
    {"id": "NEGATIVE", "text": "Negative"},
]
SPAM_TASK = {
    "kind": "single_choice",
    "choices": [{"value": "spam", "text": "Spam"}, {"value": "ham", "text": "Not spam"}],
}


def task(text: str, input_hash: int, annotator: str = "reviews-alice", **rest: Any) -> str:
    """One `prodigy db-out` line."""
    return json.dumps(
        {
            "text": text,
            "meta": {"source": "shop"},
            "_input_hash": input_hash,
            "_task_hash": input_hash + 1,
            "_annotator_id": annotator,
            "_session_id": annotator,
            "_timestamp": 1_700_000_000,
            "_view_id": "choice",
            **rest,
        }
    )


def choice(text: str, input_hash: int, accept: list[Any], **rest: Any) -> str:
    return task(text, input_hash, options=OPTIONS, accept=accept, answer="accept", **rest)


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def answers(factory: SessionFactory, slug: str = "sentiment") -> dict[tuple[str, str], Any]:
    """(item id, annotator) -> value, for the project's answers."""
    return {(row[0], row[1]): row[2] for row in answer_rows(factory, slug)}


def answer_rows(factory: SessionFactory, slug: str) -> list[tuple[Any, ...]]:
    """Item id, annotator, value, unsure, time (to the second) and item data, per answer."""
    with unit_of_work(factory) as session:
        project_id = project_named(session, slug).id
        rows = session.execute(
            select(Item.external_id, Annotation.annotator, Annotation.value)
            .add_columns(Annotation.unsure, Annotation.created_at, Item.data)
            .join(Annotation, Annotation.item_id == Item.id)
            .where(Item.project_id == project_id)
            .order_by(Annotation.id)
        ).all()
    return [(*row[:4], row[4].replace(tzinfo=None, microsecond=0), row[5]) for row in rows]


def export_text(factory: SessionFactory, slug: str, fmt: ExportFormat, batch_size: int = 2) -> str:
    out = io.StringIO()
    with unit_of_work(factory) as session:
        export_project(session, project_named(session, slug), fmt, out, batch_size=batch_size)
    return out.getvalue()


@pytest.fixture
def sentiment(session_factory: SessionFactory) -> SessionFactory:
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    return session_factory


@pytest.fixture
def db_out(tmp_path: Path) -> Path:
    """Two annotators on two inputs, one ignored answer: five lines, two items."""
    return write_lines(
        tmp_path / "db-out.jsonl",
        choice("Great earbuds", 11, ["POSITIVE"]),
        choice("Great earbuds", 11, ["POSITIVE"], annotator="reviews-bob"),
        choice("Broke in a week", 22, ["NEGATIVE"]),
        choice("Broke in a week", 22, ["negative"], annotator="reviews-bob"),
        task("Broke in a week", 22, "reviews-carol", options=OPTIONS, answer="ignore"),
    )


# Items


def test_items_come_from_the_input_keys_one_per_input_however_many_lines_repeat_it(
    sentiment: SessionFactory, db_out: Path
) -> None:
    summary = run_items(sentiment, "sentiment", db_out, fmt=PRODIGY)

    assert (summary.read, summary.inserted, summary.already_present) == (5, 2, 3)
    items = items_by_external_id(sentiment)
    assert list(items) == ["11", "22"]
    assert items["11"].data == {"text": "Great earbuds", "meta": {"source": "shop"}}


def test_an_items_id_is_id_then_meta_external_id_then_the_input_hash_then_a_content_hash(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write_lines(
        tmp_path / "tasks.jsonl",
        json.dumps({"text": "a", "id": "own", "_input_hash": 1}),
        json.dumps({"text": "b", "meta": {"external_id": "ours"}, "_input_hash": 2}),
        json.dumps({"text": "c", "_input_hash": 3}),
        json.dumps({"text": "d"}),
    )

    run_items(sentiment, "sentiment", path, fmt=PRODIGY)

    items = items_by_external_id(sentiment)
    assert list(items)[:3] == ["own", "ours", "3"]
    assert list(items)[3].startswith("sha256:")
    assert (items["own"].data, items["ours"].data) == ({"text": "a"}, {"text": "b"})


def test_a_tasks_score_and_priority_are_prodigys_model_not_ours_unless_named(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    line = {"text": "a", "score": 0.42, "priority": 0.9, "meta": {"p": 0.7}, "_input_hash": 1}
    path = write_lines(tmp_path / "teach.jsonl", json.dumps(line))

    run_items(sentiment, "sentiment", path, fmt=PRODIGY)
    setup_project(sentiment, make_spec("named"))
    run_items(sentiment, "named", path, fmt=PRODIGY, mapping=ItemMapping(score_field="meta.p"))

    with unit_of_work(sentiment) as session:
        found = session.execute(
            select(Item.data, Item.prediction_score, Item.priority).order_by(Item.id)
        ).all()
    data = {"text": "a", "score": 0.42, "priority": 0.9, "meta": {"p": 0.7}}
    assert [tuple(row) for row in found] == [(data, None, 0), (data, 0.7, 0)]


def test_prodigy_is_read_only_when_asked_for(tmp_path: Path) -> None:
    assert detect_format(tmp_path / "db-out.jsonl", SourceFormat.AUTO) is SourceFormat.JSONL
    assert detect_format(tmp_path / "db-out.jsonl", PRODIGY) is PRODIGY


# Answers


def test_choice_answers_map_option_ids_to_choices_by_value_or_text_in_any_case(
    sentiment: SessionFactory, db_out: Path, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", db_out, fmt=PRODIGY)
    by_text = [{"id": 7, "text": "neutral"}]
    path = write_lines(
        tmp_path / "more.jsonl",
        task("Great earbuds", 11, "reviews-dan", options=by_text, accept=[7], answer="accept"),
    )

    summary = run_annotations(sentiment, "sentiment", db_out, fmt=PRODIGY)
    run_annotations(sentiment, "sentiment", path, fmt=PRODIGY)

    assert (summary.read, summary.inserted, summary.skipped) == (4, 4, {"ignored": 1})
    assert answers(sentiment) == {
        ("11", "reviews-alice"): "positive",
        ("11", "reviews-bob"): "positive",
        ("22", "reviews-alice"): "negative",
        ("22", "reviews-bob"): "negative",
        ("11", "reviews-dan"): "neutral",
    }


def test_an_answer_keeps_its_annotator_and_time_and_settles_the_item(
    sentiment: SessionFactory, db_out: Path
) -> None:
    run_items(sentiment, "sentiment", db_out, fmt=PRODIGY)

    run_annotations(sentiment, "sentiment", db_out, fmt=PRODIGY)

    alice = answer_rows(sentiment, "sentiment")[0]
    assert alice[:4] == ("11", "reviews-alice", "positive", False)
    assert alice[4] == datetime.fromtimestamp(1_700_000_000, UTC).replace(tzinfo=None)
    item = items_by_external_id(sentiment)["11"]
    assert (item.final_label, item.final_method) == ("positive", "consensus")


def test_without_annotator_id_the_session_id_names_the_annotator(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    line = json.loads(choice("Hi", 5, ["NEUTRAL"]))
    del line["_annotator_id"]
    line["_session_id"] = "2024-01-02_10-00-00"
    path = write_lines(tmp_path / "old.jsonl", json.dumps(line))
    run_items(sentiment, "sentiment", path, fmt=PRODIGY)

    run_annotations(sentiment, "sentiment", path, fmt=PRODIGY)

    assert list(answers(sentiment)) == [("5", "2024-01-02_10-00-00")]


def test_a_binary_accept_is_its_label_and_a_reject_the_other_of_two_labels(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("spam", task=SPAM_TASK, overlap=3))
    path = write_lines(
        tmp_path / "binary.jsonl",
        task("Win a prize", 1, "a", label="SPAM", answer="accept"),
        task("Win a prize", 1, "b", label="SPAM", answer="reject"),
        task("Win a prize", 1, "c", label="Not spam", answer="reject"),
    )
    run_items(session_factory, "spam", path, fmt=PRODIGY)

    run_annotations(session_factory, "spam", path, fmt=PRODIGY)

    assert answers(session_factory, "spam") == {
        ("1", "a"): "spam",
        ("1", "b"): "ham",
        ("1", "c"): "spam",
    }


def test_a_reject_that_names_no_single_other_label_is_skipped_and_counted(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write_lines(
        tmp_path / "rejects.jsonl",
        task("Meh", 1, "a", label="POSITIVE", answer="reject"),
        task("Meh", 1, "b", options=OPTIONS, accept=["NEUTRAL"], answer="reject"),
        task("Meh", 1, "c", options=OPTIONS, accept=[], answer="accept"),
        task("Meh", 1, "d", label="NEUTRAL", answer="accept"),
    )
    run_items(sentiment, "sentiment", path, fmt=PRODIGY)

    summary = run_annotations(sentiment, "sentiment", path, fmt=PRODIGY)

    assert (summary.read, summary.inserted) == (1, 1)
    assert summary.skipped == {"rejected": 2, "no option chosen": 1}
    assert list(answers(sentiment)) == [("1", "d")]


def test_multi_choice_answers_take_the_accepted_list(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("intent", "multi_choice"))
    options = [{"id": "billing", "text": "Billing"}, {"id": "LOGIN", "text": "Login"}]
    path = write_lines(
        tmp_path / "multi.jsonl",
        task("Cannot pay", 1, options=options, accept=["LOGIN", "billing"], answer="accept"),
    )
    run_items(session_factory, "intent", path, fmt=PRODIGY)

    run_annotations(session_factory, "intent", path, fmt=PRODIGY)

    assert list(answers(session_factory, "intent").values()) == [["billing", "login"]]


def test_free_text_answers_come_from_user_input(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("notes", "free_text"))
    path = write_lines(
        tmp_path / "text.jsonl",
        task("Clip 1", 1, user_input=" hello world ", answer="accept", _view_id="text_input"),
    )
    run_items(session_factory, "notes", path, fmt=PRODIGY)

    run_annotations(session_factory, "notes", path, fmt=PRODIGY)

    assert list(answers(session_factory, "notes").values()) == ["hello world"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (choice("x", 1, ["POSITIVE", "NEGATIVE"]), "takes one option, found 2"),
        (choice("x", 1, ["SARCASM"]), "unknown label 'SARCASM'"),
        (task("x", 1, options=OPTIONS, accept=["POSITIVE"]), "`answer` must be accept, reject"),
        (task("x", 1, label="POSITIVE", answer="maybe"), "found 'maybe'"),
        (choice("x", 1, ["POSITIVE"], _timestamp="yesterday"), "`_timestamp` must be Unix"),
        (task("x", 1, answer="accept"), "no `options` (a choice task) and no `label`"),
        (choice("x", 1, ["POSITIVE"], _annotator_id="", _session_id=None), "no `_annotator_id`"),
    ],
)
def test_a_line_that_is_not_a_readable_answer_is_a_problem_at_its_line(
    sentiment: SessionFactory, tmp_path: Path, line: str, problem: str
) -> None:
    run_items(sentiment, "sentiment", write_lines(tmp_path / "i.jsonl", line), fmt=PRODIGY)
    path = write_lines(tmp_path / "bad.jsonl", choice("x", 1, ["NEUTRAL"]), line)

    with pytest.raises(ImportFailed) as failed:
        run_annotations(sentiment, "sentiment", path, fmt=PRODIGY)

    [found] = failed.value.problems
    assert (found.file, found.line) == (str(path), 2)
    assert problem in found.message
    assert answers(sentiment) == {}


def test_a_binary_task_cannot_answer_a_multi_choice_project(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("intent", "multi_choice"))
    path = write_lines(tmp_path / "b.jsonl", task("x", 1, label="billing", answer="accept"))
    run_items(session_factory, "intent", path, fmt=PRODIGY)

    with pytest.raises(ImportFailed, match=r"b\.jsonl:1: a binary task .* export the choice"):
        run_annotations(session_factory, "intent", path, fmt=PRODIGY)


# Export


@pytest.fixture
def answered(sentiment: SessionFactory, db_out: Path, tmp_path: Path) -> SessionFactory:
    """`11` decided (alice and bob: positive); `22` undecided (alice: negative, erin: unsure
    with no label); `33` unanswered."""
    run_items(sentiment, "sentiment", db_out, fmt=PRODIGY)
    unseen = write_lines(
        tmp_path / "unseen.jsonl", json.dumps({"text": "Unseen", "_input_hash": 33})
    )
    run_items(sentiment, "sentiment", unseen, fmt=PRODIGY)
    first_three = write_lines(tmp_path / "three.jsonl", *db_out.read_text().splitlines()[:3])
    run_annotations(sentiment, "sentiment", first_three, fmt=PRODIGY)
    unsure = "id,annotator,value,unsure,created_at\n22,reviews-erin,,true,2024-01-02T00:00:00\n"
    run_annotations(sentiment, "sentiment", write(tmp_path / "unsure.csv", unsure))
    return sentiment


def exported_lines(factory: SessionFactory, slug: str = "sentiment") -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in export_text(factory, slug, ExportFormat.PRODIGY).splitlines()
    ]


def test_export_writes_one_choice_task_per_current_answer_with_our_labels_in_meta(
    answered: SessionFactory,
) -> None:
    lines = exported_lines(answered)

    assert [(line["meta"]["external_id"], line["_annotator_id"]) for line in lines] == [
        ("11", "reviews-alice"),
        ("11", "reviews-bob"),
        ("22", "reviews-alice"),
        ("22", "reviews-erin"),
    ]
    first = lines[0]
    assert first["text"] == "Great earbuds"
    assert first["options"][0] == {"id": "positive", "text": "Positive"}
    assert (first["accept"], first["answer"], first["_view_id"]) == (
        ["positive"],
        "accept",
        "choice",
    )
    assert first["meta"] == {
        "source": "shop",
        "external_id": "11",
        "final_label": "positive",
        "final_method": "consensus",
    }
    assert first["_timestamp"] == 1_700_000_000
    assert first["_session_id"] == "sentiment-reviews-alice"


def test_an_undecided_item_is_exported_with_its_answers_and_no_final_label(
    answered: SessionFactory,
) -> None:
    lines = exported_lines(answered)

    undecided = [line for line in lines if line["meta"]["external_id"] == "22"]
    assert [(line["meta"]["final_label"], line["meta"]["final_method"]) for line in undecided] == [
        (None, None),
        (None, None),
    ]
    unsure = undecided[1]
    assert (unsure["answer"], unsure["accept"], unsure["meta"]["unsure"]) == ("ignore", [], True)
    assert all(line["meta"]["external_id"] != "33" for line in lines)  # nobody answered it


def test_hashes_are_32_bit_ints_shared_by_an_inputs_lines_and_stable_between_exports(
    answered: SessionFactory,
) -> None:
    text = export_text(answered, "sentiment", ExportFormat.PRODIGY)
    lines = [json.loads(line) for line in text.splitlines()]

    assert text == export_text(answered, "sentiment", ExportFormat.PRODIGY, batch_size=100)
    for line in lines:
        for key in ("_input_hash", "_task_hash"):
            assert isinstance(line[key], int) and -(2**31) <= line[key] < 2**31
    assert lines[0]["_input_hash"] == lines[1]["_input_hash"] != lines[2]["_input_hash"]
    assert len({line["_task_hash"] for line in lines}) == 2


def test_data_keys_that_prodigy_reserves_travel_in_meta() -> None:
    record = {
        "external_id": "r1",
        "data": {"text": "Hi", "label": "from the shop", "_row": 4, "meta": {"shop": "A"}},
        "final_label": None,
        "final_method": None,
        "annotations": [
            {
                "annotator": "U1",
                "value": "neutral",
                "unsure": False,
                "superseded": False,
                "created_at": "2024-05-01T10:00:00+00:00",
            }
        ],
    }

    line = json.loads(ProdigyWriter(make_spec("sentiment"), "sentiment").item(record))

    assert (line["text"], "_row" not in line, line["accept"]) == ("Hi", True, ["neutral"])
    assert line["meta"] == {
        "shop": "A",
        "label": "from the shop",
        "_row": 4,
        "external_id": "r1",
        "final_label": None,
        "final_method": None,
    }


def test_our_export_imports_back_into_a_new_project_with_the_same_answers(
    answered: SessionFactory, tmp_path: Path
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(export_text(answered, "sentiment", ExportFormat.PRODIGY), encoding="utf-8")
    setup_project(answered, make_spec("copy", overlap=2))

    run_items(answered, "copy", path, fmt=PRODIGY)
    run_annotations(answered, "copy", path, fmt=PRODIGY)

    copied = answer_rows(answered, "copy")
    assert copied == answer_rows(answered, "sentiment")
    assert [row[:4] for row in copied] == [
        ("11", "reviews-alice", "positive", False),
        ("11", "reviews-bob", "positive", False),
        ("22", "reviews-alice", "negative", False),
        ("22", "reviews-erin", None, True),
    ]
    assert copied[0][5] == {"text": "Great earbuds", "meta": {"source": "shop"}}


@pytest.mark.parametrize(
    ("kind", "line", "key", "value"),
    [
        (
            "multi_choice",
            task(
                "Cannot pay",
                1,
                options=[{"id": "billing", "text": "Billing"}, {"id": "login", "text": "Login"}],
                accept=["login", "billing"],
                answer="accept",
            ),
            "accept",
            ["billing", "login"],
        ),
        (
            "free_text",
            task("Clip", 2, user_input="a note", answer="accept"),
            "user_input",
            "a note",
        ),
        (
            "rating",
            task("Film", 3, options=[{"id": 4, "text": "4"}], accept=[4], answer="accept"),
            "accept",
            "4",
        ),
    ],
)
def test_every_kind_of_task_exports_and_imports_back(
    session_factory: SessionFactory, tmp_path: Path, kind: str, line: str, key: str, value: Any
) -> None:
    setup_project(session_factory, make_spec("source", kind))
    setup_project(session_factory, make_spec("copy", kind))
    source = write_lines(tmp_path / "source.jsonl", line)
    run_items(session_factory, "source", source, fmt=PRODIGY)
    run_annotations(session_factory, "source", source, fmt=PRODIGY)
    [exported] = exported_lines(session_factory, "source")
    out = write_lines(tmp_path / "out.jsonl", json.dumps(exported))

    run_items(session_factory, "copy", out, fmt=PRODIGY)
    run_annotations(session_factory, "copy", out, fmt=PRODIGY)

    assert exported[key] == (value if key == "user_input" or isinstance(value, list) else [value])
    assert list(answers(session_factory, "copy").values()) == [value]
    assert answer_rows(session_factory, "copy") == answer_rows(session_factory, "source")
    if kind == "multi_choice":
        assert exported["config"] == {"choice_style": "multiple"}


# Command line


def test_the_cli_imports_prodigy_files_and_says_what_it_skipped(
    sentiment: SessionFactory,
    db_out: Path,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()

    items = runner.invoke(app, ["import", "sentiment", str(db_out), "--format", "prodigy"])
    answers_run = runner.invoke(
        app, ["import-annotations", "sentiment", str(db_out), "--format", "prodigy"]
    )
    exported = runner.invoke(
        app, ["export", "sentiment", "--format", "prodigy", "-o", str(tmp_path / "p.jsonl")]
    )

    assert items.exit_code == 0, items.output
    assert "read 5 items, inserted 2, already present 3." in " ".join(items.output.split())
    assert answers_run.exit_code == 0, answers_run.output
    assert "skipped 1 that are not answers (1 ignored)" in " ".join(answers_run.output.split())
    assert exported.exit_code == 0, exported.output
    assert len((tmp_path / "p.jsonl").read_text().splitlines()) == 4


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "POSITIVE", "neutral", "Negative", "x" * 300, "accept", "ignore"]),
    st.lists(st.sampled_from(["positive", "NEUTRAL", 3, None, ""]), max_size=3),
    st.dictionaries(st.sampled_from(["id", "text", "unsure", "external_id"]), st.text(max_size=5)),
)
keys = st.sampled_from(
    ["text", "label", "options", "accept", "answer", "meta", "user_input", "id"]
    + ["_input_hash", "_annotator_id", "_session_id", "_timestamp", "score"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks=st.lists(st.dictionaries(keys, values, max_size=9), min_size=1, max_size=5))
def test_any_prodigy_lines_import_cleanly_or_fail_at_a_line_and_write_nothing(
    session_factory: SessionFactory, tmp_path_factory: Any, tasks: list[dict[str, Any]]
) -> None:
    slug = f"p{abs(hash(json.dumps(tasks, sort_keys=True))) % 10**9}"
    setup_project(session_factory, make_spec(slug))
    path = write_lines(tmp_path_factory.mktemp("fuzz") / "db-out.jsonl", *map(json.dumps, tasks))

    for run in (run_items, run_annotations):
        before = count_rows(session_factory)
        try:
            run(session_factory, slug, path, fmt=PRODIGY)
        except ImportFailed as failed:
            assert all(p.file == str(path) and 1 <= p.line <= len(tasks) for p in failed.problems)
            assert count_rows(session_factory) == before
