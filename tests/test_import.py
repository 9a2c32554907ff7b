"""Importing items and annotation history: formats, mapping, idempotence, completion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.items import ItemMapping, content_id
from bot.dataio.readers import SourceFormat
from storage.db import SessionFactory, unit_of_work
from storage.models import (
    Annotation,
    AnnotationSource,
    FinalMethod,
    Item,
    ItemStatus,
    Review,
    ReviewReason,
)
from storage.projects import project_named
from storage.search import search_item_ids
from tests.dataio_helpers import (
    count_rows,
    items_by_external_id,
    run_annotations,
    run_items,
    setup_project,
    write,
)
from tests.factories import make_spec

REVIEWS_CSV = (
    "id,text,product,gold,prediction,score,priority\n"
    "r1,Great earbuds,Aurora,positive,positive,0.97,5\n"
    'r2,"Broke after a week, support silent",Aurora,,negative,0.8,\n'
    "r3,It is a pair of earbuds,Aurora,,,,\n"
)


@pytest.fixture
def sentiment(session_factory: SessionFactory) -> SessionFactory:
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    return session_factory


def test_csv_import_stores_data_gold_prediction_priority_and_overlap(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    summary = run_items(sentiment, "sentiment", write(tmp_path / "reviews.csv", REVIEWS_CSV))

    assert (summary.read, summary.inserted, summary.already_present) == (3, 3, 0)
    items = items_by_external_id(sentiment)
    first = items["r1"]
    assert first.data == {"text": "Great earbuds", "product": "Aurora"}
    assert (first.is_gold, first.gold_answer) == (True, "positive")
    assert (first.prediction, first.prediction_score, first.priority) == ("positive", 0.97, 5)
    assert (first.required_answers, first.status, first.answer_count) == (2, ItemStatus.OPEN, 0)
    assert (first.source, first.source_ref) == ("import", "reviews.csv")
    assert items["r2"].data["text"] == "Broke after a week, support silent"
    assert (items["r2"].is_gold, items["r2"].gold_answer, items["r2"].priority) == (False, None, 0)
    assert (items["r3"].prediction, items["r3"].prediction_score) == (None, None)


def test_reimporting_the_same_file_adds_nothing(sentiment: SessionFactory, tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", REVIEWS_CSV)
    run_items(sentiment, "sentiment", path)

    again = run_items(sentiment, "sentiment", path)

    assert (again.read, again.inserted, again.already_present) == (3, 0, 3)
    assert count_rows(sentiment) == (3, 0)


def test_rows_without_ids_get_a_content_hash_so_reimport_is_idempotent(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write(tmp_path / "no_ids.jsonl", '{"text": "a"}\n{"text": "b"}\n{"text": "a"}\n')

    first = run_items(sentiment, "sentiment", path)
    second = run_items(sentiment, "sentiment", path)

    assert (first.inserted, first.already_present) == (2, 1)
    assert second.inserted == 0
    assert set(items_by_external_id(sentiment)) == {
        content_id({"text": "a"}),
        content_id({"text": "b"}),
    }


def test_jsonl_import_maps_columns_to_display_fields(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "tickets.jsonl",
        '{"ticket": 17, "body": "Refund please", "label": "negative", "p": 0.4, "extra": [1]}\n',
    )
    mapping = ItemMapping(
        id_field="ticket", fields={"text": "body"}, prediction_field="label", score_field="p"
    )

    run_items(sentiment, "sentiment", path, mapping=mapping)

    item = items_by_external_id(sentiment)["17"]
    assert item.data == {"text": "Refund please", "extra": [1]}
    assert (item.prediction, item.prediction_score) == ("negative", 0.4)


def test_json_array_import_streams_each_object(sentiment: SessionFactory, tmp_path: Path) -> None:
    rows = [{"id": f"j{i}", "text": f"text {i}"} for i in range(50)]
    path = write(tmp_path / "items.json", json.dumps(rows, indent=2))

    summary = run_items(sentiment, "sentiment", path, batch_size=7)

    assert summary.inserted == 50
    assert items_by_external_id(sentiment)["j49"].data == {"text": "text 49"}


def test_label_studio_tasks_import_with_their_prediction_and_score(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    tasks = [
        {
            "id": 101,
            "data": {"text": "Love it"},
            "predictions": [
                {
                    "model_version": "m1",
                    "score": 0.91,
                    "result": [
                        {
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["positive"]},
                        }
                    ],
                }
            ],
        },
        {"id": 102, "data": {"text": "Meh"}},
    ]
    path = write(tmp_path / "tasks.json", json.dumps(tasks))

    summary = run_items(sentiment, "sentiment", path)

    assert summary.inserted == 2
    items = items_by_external_id(sentiment)
    assert items["101"].data == {"text": "Love it"}
    assert (items["101"].prediction, items["101"].prediction_score) == ("positive", 0.91)
    assert items["102"].prediction is None


def test_multi_choice_labels_accept_pipes_and_json_lists_in_csv(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("intent", "multi_choice"))
    path = write(
        tmp_path / "intents.csv",
        'id,text,gold\na,x,shipping|billing\nb,y,"[""login""]"\n',
    )

    run_items(session_factory, "intent", path)

    items = items_by_external_id(session_factory)
    assert items["a"].gold_answer == ["billing", "shipping"]
    assert items["b"].gold_answer == ["login"]


def test_free_text_projects_accept_any_string_as_prediction(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec("transcribe", "free_text"))
    path = write(tmp_path / "clips.jsonl", '{"id": "c1", "text": "helo", "prediction": "hello"}\n')

    run_items(session_factory, "transcribe", path)

    assert items_by_external_id(session_factory)["c1"].prediction == "hello"


ANSWERS_CSV = (
    "id,annotator,value,seconds,created_at\n"
    "r2,U01,negative,4.5,2026-01-02T10:00:00Z\n"
    "r2,U02,negative,3,\n"
    "r3,U01,neutral,,\n"
)


def test_annotation_import_records_answers_and_settles_complete_items(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "reviews.csv", REVIEWS_CSV))

    summary = run_annotations(sentiment, "sentiment", write(tmp_path / "answers.csv", ANSWERS_CSV))

    assert (summary.read, summary.inserted) == (3, 3)
    items = items_by_external_id(sentiment)
    done, half = items["r2"], items["r3"]
    assert (done.answer_count, done.status) == (2, ItemStatus.COMPLETE)
    assert (done.final_label, done.final_method) == ("negative", FinalMethod.CONSENSUS)
    assert done.completed_at is not None
    assert (half.answer_count, half.status, half.final_label) == (1, ItemStatus.OPEN, None)
    with unit_of_work(sentiment) as session:
        first = session.scalars(select(Annotation).order_by(Annotation.id)).first()
        assert first is not None
        assert (first.annotator, first.value, first.seconds) == ("U01", "negative", 4.5)
        assert first.source is AnnotationSource.IMPORT
        assert first.created_at.replace(tzinfo=None).isoformat() == "2026-01-02T10:00:00"


def test_reimporting_annotations_skips_annotators_who_already_answered(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "reviews.csv", REVIEWS_CSV))
    answers = write(tmp_path / "answers.csv", ANSWERS_CSV)
    run_annotations(sentiment, "sentiment", answers)

    again = run_annotations(sentiment, "sentiment", answers)

    assert (again.read, again.inserted, again.already_present) == (3, 0, 3)
    assert count_rows(sentiment) == (3, 3)
    assert items_by_external_id(sentiment)["r2"].answer_count == 2


def test_imported_gold_item_is_decided_by_its_gold_answer(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "reviews.csv", REVIEWS_CSV))
    answers = "id,annotator,value\nr1,U01,positive\nr1,U02,positive\n"

    run_annotations(sentiment, "sentiment", write(tmp_path / "a.csv", answers))

    item = items_by_external_id(sentiment)["r1"]
    assert (item.status, item.final_label, item.final_method) == (
        ItemStatus.COMPLETE,
        "positive",
        FinalMethod.GOLD,
    )


def test_imported_disagreement_sends_the_item_to_review(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    run_items(sentiment, "sentiment", write(tmp_path / "reviews.csv", REVIEWS_CSV))
    answers = "id,annotator,value\nr3,U01,positive\nr3,U02,negative\n"

    run_annotations(sentiment, "sentiment", write(tmp_path / "a.csv", answers))

    assert items_by_external_id(sentiment)["r3"].status is ItemStatus.IN_REVIEW
    with unit_of_work(sentiment) as session:
        review = session.scalars(select(Review)).one()
        assert review.reason is ReviewReason.DISAGREEMENT


def test_label_studio_export_annotations_import_with_lead_time_and_skip_cancelled(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    def answer(who: object, choice: str, cancelled: bool = False) -> dict[str, object]:
        return {
            "completed_by": who,
            "lead_time": 6.25,
            "was_cancelled": cancelled,
            "created_at": "2024-05-01T12:00:00.000000Z",
            "result": [
                {
                    "from_name": "s",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [choice]},
                }
            ],
        }

    tasks = [
        {
            "id": 7,
            "data": {"text": "Fine I guess"},
            "annotations": [
                answer(3, "neutral"),
                answer({"id": 4, "email": "ann@example.com"}, "neutral"),
                answer(5, "negative", cancelled=True),
            ],
        }
    ]
    path = write(tmp_path / "export.json", json.dumps(tasks))
    run_items(sentiment, "sentiment", path, fmt=SourceFormat.LABEL_STUDIO)

    summary = run_annotations(sentiment, "sentiment", path, fmt=SourceFormat.LABEL_STUDIO)

    assert summary.inserted == 2
    with unit_of_work(sentiment) as session:
        rows = session.execute(
            select(Annotation.annotator, Annotation.value, Annotation.seconds)
        ).all()
    assert sorted(rows) == [("3", "neutral", 6.25), ("ann@example.com", "neutral", 6.25)]
    assert items_by_external_id(sentiment)["7"].final_label == "neutral"


def test_cli_import_prints_a_summary_and_is_idempotent(
    sentiment: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write(tmp_path / "reviews.csv", REVIEWS_CSV)
    runner = CliRunner()

    first = runner.invoke(app, ["import", "sentiment", str(path)])
    second = runner.invoke(app, ["import", "sentiment", str(path)])

    assert first.exit_code == 0, first.output
    assert "read 3 items, inserted 3, already present 0" in first.output
    assert "read 3 items, inserted 0, already present 3" in second.output


def test_cli_field_option_maps_a_column_to_a_display_key(
    sentiment: SessionFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write(tmp_path / "t.csv", "ref,body\nx1,hello\n")

    result = CliRunner().invoke(
        app, ["import", "sentiment", str(path), "--id-field", "ref", "--field", "text=body"]
    )

    assert result.exit_code == 0, result.output
    assert items_by_external_id(sentiment)["x1"].data == {"text": "hello"}


def test_imported_items_are_searchable_and_later_items_still_get_indexed(
    sentiment: SessionFactory, tmp_path: Path
) -> None:
    """A bulk import indexes its items for search in bulk (SQLite sets the per-row trigger
    aside for the import); items written afterwards are indexed by the trigger again."""
    rows = "".join(f"b{n},plain words {n}\n" for n in range(12))
    run_items(sentiment, "sentiment", write(tmp_path / "a.csv", "id,text\n" + rows), batch_size=5)
    run_items(
        sentiment, "sentiment", write(tmp_path / "b.csv", "id,text\nz1,a zeppelin\n"), batch_size=5
    )

    with unit_of_work(sentiment) as session:
        project_ids = [project_named(session, "sentiment").id]
        words = search_item_ids(session, project_ids=project_ids, query="plain words", limit=50)
        zeppelin = search_item_ids(session, project_ids=project_ids, query="zeppelin")
        session.add(
            Item(
                project_id=project_ids[0],
                external_id="orm",
                data={"text": "a blimp"},
                required_answers=1,
            )
        )
    with unit_of_work(sentiment) as session:
        blimp = search_item_ids(session, project_ids=project_ids, query="blimp")
        ids = {i.external_id: i.id for i in session.scalars(select(Item))}

    assert sorted(words) == sorted(ids[f"b{n}"] for n in range(12))
    assert (zeppelin, blimp) == ([ids["z1"]], [ids["orm"]])
