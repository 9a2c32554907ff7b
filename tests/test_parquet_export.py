"""`export --format parquet` writes a Hugging Face dataset: one Parquet file per split and a
README.md card, which `datasets.load_dataset` reads with the label as a ClassLabel."""

from __future__ import annotations

import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datasets
import pytest
import yaml
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.formats import ExportFormat
from bot.dataio.parquet_export import write_dataset
from bot.dataio.splits import deal, parse_splits
from bot.dataio.writers import writer_for
from storage.db import SessionFactory, read_only, unit_of_work
from storage.models import Annotation, Item, Project
from storage.projects import project_named
from tests.dataio_helpers import run_annotations, run_items, setup_project, write
from tests.factories import make_spec

datasets.disable_progress_bars()

ITEMS = (
    "id,text,product,gold\n"
    "r1,Great,Aurora,\n"  # two agreeing answers: decided by consensus
    "r2,Awful,Aurora,negative\n"  # gold
    "r3,Hmm,Borealis,\n"  # the answers disagree: waiting in review
    "r4,Fine,Borealis,\n"  # one answer of two: open
)
ANSWERS = (
    "id,annotator,value,seconds,unsure,unsure_reason,guideline_version\n"
    "r1,U2,positive,3,,,v1\n"
    "r1,U3,positive,4,,,v1\n"
    "r2,U1,negative,1,,,v1\n"
    "r2,U2,negative,1,,,v1\n"
    "r3,U1,positive,4,,,v1\n"
    "r3,U2,,5,true,ambiguous,v1\n"
    "r3,U3,negative,6,,,v1\n"
    "r4,U1,neutral,2,,,v1\n"
)


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def reviews(session_factory: SessionFactory, tmp_path: Path, cli_database: str) -> str:
    """Decided, gold, in-review and open items; U2 replaced an earlier answer on r1."""
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    run_items(session_factory, "sentiment", write(tmp_path / "items.csv", ITEMS))
    run_annotations(session_factory, "sentiment", write(tmp_path / "answers.csv", ANSWERS))
    with unit_of_work(session_factory) as session:
        r1 = session.scalars(select(Item).where(Item.external_id == "r1")).one()
        earlier = datetime(2026, 1, 2, tzinfo=UTC)
        session.add(
            Annotation(
                item_id=r1.id,
                project_id=r1.project_id,
                annotator="U2",
                value="neutral",
                guideline_version="v0",
                created_at=earlier,
                superseded_at=earlier,
            )
        )
    return "sentiment"


def labeled_project(
    session_factory: SessionFactory, tmp_path: Path, labels: dict[str, int], undecided: int
) -> str:
    """`labels[label]` items decided by two agreeing answers, `undecided` items with one."""
    setup_project(session_factory, make_spec("sentiment", overlap=2))
    items, answers = ["id,text"], ["id,annotator,value"]
    for label, count in labels.items():
        for n in range(count):
            items.append(f"{label}-{n},text {n}")
            answers += [f"{label}-{n},U1,{label}", f"{label}-{n},U2,{label}"]
    for n in range(undecided):
        items.append(f"open-{n},text {n}")
        answers.append(f"open-{n},U1,neutral")
    run_items(session_factory, "sentiment", write(tmp_path / "i.csv", "\n".join(items) + "\n"))
    run_annotations(
        session_factory, "sentiment", write(tmp_path / "a.csv", "\n".join(answers) + "\n")
    )
    return "sentiment"


def export(slug: str, out: Path, *options: str) -> Result:
    return CliRunner().invoke(
        app, ["export", slug, "--format", "parquet", "-o", str(out), *options]
    )


def load(folder: Path, tmp_path: Path, **options: Any) -> datasets.DatasetDict:
    found = datasets.load_dataset(
        "parquet", data_dir=str(folder), cache_dir=str(tmp_path / "hf-cache"), **options
    )
    assert isinstance(found, datasets.DatasetDict)
    return found


def card_of(folder: Path) -> tuple[dict[str, Any], str]:
    _, front, body = (folder / "README.md").read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def by_id(split: datasets.Dataset) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in split}


def test_a_parquet_export_loads_as_a_train_split_with_the_label_as_a_class_label(
    reviews: str, tmp_path: Path
) -> None:
    result = export(reviews, tmp_path / "dataset")

    assert result.exit_code == 0, result.output
    assert "Exported 4 items of sentiment" in result.output
    assert "2 undecided item(s) exported with a null label" in result.output
    loaded = load(tmp_path / "dataset", tmp_path)
    assert list(loaded) == ["train"]
    train = loaded["train"]
    label = train.features["label"]
    assert isinstance(label, datasets.ClassLabel)
    assert label.names == ["positive", "neutral", "negative"]
    assert train.column_names == [
        "id",
        "text",
        "product",
        "label",
        "label_method",
        "confidence",
        "status",
        "is_gold",
        "guideline_version",
        "answers",
    ]
    rows = by_id(train)
    r1, r2, r3, r4 = rows["r1"], rows["r2"], rows["r3"], rows["r4"]
    assert (label.int2str(r1["label"]), r1["label_method"], r1["confidence"]) == (
        "positive",
        "consensus",
        1.0,
    )
    assert (r1["text"], r1["product"], r1["guideline_version"]) == ("Great", "Aurora", "v1")
    assert (label.int2str(r2["label"]), r2["label_method"], r2["is_gold"]) == (
        "negative",
        "gold",
        True,
    )
    assert (r3["label"], r3["label_method"], r3["status"]) == (None, None, "in_review")
    assert (r4["label"], r4["label_method"], r4["status"]) == (None, None, "open")


def test_each_row_carries_its_current_answers_as_a_list_of_structs(
    reviews: str, tmp_path: Path
) -> None:
    export(reviews, tmp_path / "dataset")

    train = load(tmp_path / "dataset", tmp_path)["train"]
    answer = train.features["answers"]
    assert isinstance(answer, datasets.List)
    assert isinstance(answer.feature["label"], datasets.ClassLabel)
    rows = by_id(train)
    # U2's replaced answer on r1 is left out.
    assert [(a["annotator"], a["label"], a["seconds"]) for a in rows["r1"]["answers"]] == [
        ("U2", 0, 3.0),
        ("U3", 0, 4.0),
    ]
    unsure = rows["r3"]["answers"][1]
    assert (unsure["annotator"], unsure["label"], unsure["unsure"], unsure["unsure_reason"]) == (
        "U2",
        None,
        True,
        "ambiguous",
    )
    assert unsure["guideline_version"] == "v1" and unsure["source"] == "import"
    assert unsure["created_at"].tzinfo is not None


def test_the_card_declares_the_files_and_features_datasets_reads(
    reviews: str, tmp_path: Path
) -> None:
    export(reviews, tmp_path / "dataset", "--split", "train=0.5,test=0.5")

    front, _ = card_of(tmp_path / "dataset")
    from_files = load(tmp_path / "dataset", tmp_path)
    # load_dataset(DIR) reads the card's `configs` and `dataset_info` instead of the files'.
    from_card = datasets.load_dataset(
        str(tmp_path / "dataset"), cache_dir=str(tmp_path / "hf-cache-2")
    )
    assert isinstance(from_card, datasets.DatasetDict)

    features = from_files["train"].features
    assert datasets.Features._from_yaml_list(front["dataset_info"]["features"]) == features
    assert from_card["train"].features == features
    assert {name: len(from_card[name]) for name in from_card} == {"train": 2, "test": 2}
    assert front["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "data/train-*"},
                {"split": "test", "path": "data/test-*"},
            ],
        }
    ]
    assert front["task_categories"] == ["text-classification"]
    assert sorted(p.name for p in (tmp_path / "dataset").rglob("*")) == [
        "README.md",
        "data",
        "test-00000-of-00001.parquet",
        "train-00000-of-00001.parquet",
    ]


def test_the_card_tells_how_labels_were_decided_and_how_far_annotators_agree(
    reviews: str, tmp_path: Path
) -> None:
    export(reviews, tmp_path / "dataset")

    _, body = card_of(tmp_path / "dataset")

    assert "# Test project sentiment" in body
    assert "| 0 `positive` | Positive | 1 |" in body
    assert "| 2 `negative` | Negative | 1 |" in body
    assert "| null | undecided: no label | 2 |" in body
    assert "| `consensus` |" in body and "| `gold` |" in body
    assert "Krippendorff's α (nominal) |" in body
    assert "3 annotators gave the 8 answers" in body
    assert "at version `v1`" in body and "`v1` (8)" in body


def test_splits_have_the_planned_sizes_and_depend_only_on_the_seed(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    slug = labeled_project(session_factory, tmp_path, {"positive": 60, "negative": 30}, 10)
    split = ["--split", "train=0.8,validation=0.1,test=0.1"]

    for name, seed in [("a", "1"), ("b", "1"), ("c", "2")]:
        assert export(slug, tmp_path / name, *split, "--seed", seed).exit_code == 0

    a, b, c = (load(tmp_path / name, tmp_path / name) for name in "abc")
    assert {name: len(a[name]) for name in a} == {"train": 80, "validation": 10, "test": 10}
    assert {name: a[name]["id"] for name in a} == {name: b[name]["id"] for name in b}
    assert set(a["test"]["id"]) != set(c["test"]["id"])
    assert sorted(i for name in c for i in c[name]["id"]) == sorted(
        i for name in a for i in a[name]["id"]
    )


def test_stratified_splits_divide_every_label_in_the_planned_proportions(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    slug = labeled_project(session_factory, tmp_path, {"positive": 60, "negative": 30}, 10)
    plan = {"train": 0.8, "validation": 0.1, "test": 0.1}

    result = export(
        slug, tmp_path / "out", "--split", "train=0.8,validation=0.1,test=0.1", "--stratify"
    )

    assert result.exit_code == 0, result.output
    loaded = load(tmp_path / "out", tmp_path)
    names = loaded["train"].features["label"].names
    totals = {"positive": 60, "negative": 30, None: 10}
    for split, share in plan.items():
        counts = Counter(names[i] if i is not None else None for i in loaded[split]["label"])
        for label, total in totals.items():
            assert abs(counts[label] - share * total) < 2, (split, label, counts)
    _, body = card_of(tmp_path / "out")
    assert "stratified on the decided label" in body


def test_dealing_keeps_every_split_within_one_item_of_its_share_at_every_point() -> None:
    shares = [0.7, 0.2, 0.1]
    given = [0, 0, 0]
    for seen, split in enumerate(deal(1000, shares), start=1):
        given[split] += 1
        assert all(abs(given[s] - shares[s] * seen) < 1 for s in range(3))


def test_decided_only_leaves_no_null_label(reviews: str, tmp_path: Path) -> None:
    result = export(reviews, tmp_path / "dataset", "--decided-only")

    assert result.exit_code == 0, result.output
    train = load(tmp_path / "dataset", tmp_path)["train"]
    assert sorted(train["id"]) == ["r1", "r2"] and None not in train["label"]


def test_nothing_to_export_writes_no_folder(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    slug = labeled_project(session_factory, tmp_path, {}, undecided=2)

    result = export(slug, tmp_path / "out", "--decided-only")

    assert result.exit_code == 1
    assert "sentiment has no decided items to export" in result.output
    assert not (tmp_path / "out").exists()


def test_a_split_too_small_for_any_item_gets_no_file_and_a_warning(
    reviews: str, tmp_path: Path
) -> None:
    result = export(reviews, tmp_path / "dataset", "--split", "train=0.95,test=0.05")

    assert result.exit_code == 0, result.output
    assert "no item fell in test" in result.output
    assert list(load(tmp_path / "dataset", tmp_path)) == ["train"]


def test_multi_choice_labels_are_a_list_of_class_labels(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    setup_project(session_factory, make_spec("tickets", "multi_choice"))
    run_items(session_factory, "tickets", write(tmp_path / "i.csv", "id,text\nt1,Locked out\n"))
    answers = 'id,annotator,value\nt1,U1,"[""login"",""billing""]"\n'
    run_annotations(session_factory, "tickets", write(tmp_path / "a.csv", answers))

    assert export("tickets", tmp_path / "out").exit_code == 0

    train = load(tmp_path / "out", tmp_path)["train"]
    label = train.features["label"]
    assert isinstance(label, datasets.List) and isinstance(label.feature, datasets.ClassLabel)
    assert [label.feature.int2str(i) for i in train[0]["label"]] == ["billing", "login"]
    assert train[0]["answers"][0]["label"] == [0, 1]
    front, _ = card_of(tmp_path / "out")
    assert front["task_ids"] == ["multi-label-classification"]
    assert datasets.Features._from_yaml_list(front["dataset_info"]["features"]) == train.features


def test_free_text_labels_are_text(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    setup_project(session_factory, make_spec("captions", "free_text"))
    run_items(session_factory, "captions", write(tmp_path / "i.csv", "id,text\nc1,A cat\n"))
    run_annotations(
        session_factory, "captions", write(tmp_path / "a.csv", "id,annotator,value\nc1,U1,Cat\n")
    )

    assert export("captions", tmp_path / "out").exit_code == 0

    train = load(tmp_path / "out", tmp_path)["train"]
    assert train.features["label"] == datasets.Value("string")
    assert (train[0]["label"], train[0]["answers"][0]["label"]) == ("Cat", "Cat")
    front, _ = card_of(tmp_path / "out")
    assert datasets.Features._from_yaml_list(front["dataset_info"]["features"]) == train.features


def test_ratings_are_class_labels_named_by_their_points(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    setup_project(session_factory, make_spec("stars", "rating"))
    run_items(session_factory, "stars", write(tmp_path / "i.csv", "id,text\ns1,Good\n"))
    run_annotations(
        session_factory, "stars", write(tmp_path / "a.csv", "id,annotator,value\ns1,U1,4\n")
    )

    assert export("stars", tmp_path / "out").exit_code == 0

    train = load(tmp_path / "out", tmp_path)["train"]
    label = train.features["label"]
    assert isinstance(label, datasets.ClassLabel) and label.names == ["1", "2", "3", "4", "5"]
    assert label.int2str(train[0]["label"]) == "4"
    _, body = card_of(tmp_path / "out")
    assert "Krippendorff's α (ordinal)" in body


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ("train=0.8,test=0.1", "the split fractions must sum to 1, they sum to 0.9"),
        ("train=0.5,train=0.5", "split 'train' is named twice"),
        ("train=0.5,all=0.5", "split name 'all'"),
        ("train=0.5,dev-set=0.5", "split name 'dev-set'"),
        ("train", "NAME=FRACTION"),
        ("train=most", "'most' is not a number"),
        ("train=1.5,test=-0.5", "the fraction must be above 0 and at most 1"),
    ],
)
def test_a_bad_split_is_refused_before_anything_is_written(
    reviews: str, tmp_path: Path, split: str, message: str
) -> None:
    result = export(reviews, tmp_path / "out", "--split", split)

    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "csv", "--split", "train=1"], "--split, --stratify and --seed go with"),
        (["--format", "jsonl", "--stratify"], "go with --format parquet"),
        (["--format", "parquet"], "name it with -o DIR"),
        (["--format", "parquet", "-o", "x", "--stratify"], "--stratify and --seed go with --split"),
    ],
)
def test_dataset_options_out_of_place_are_refused(
    reviews: str, arguments: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["export", reviews, *arguments])

    assert result.exit_code == 1
    assert message in result.output


def test_without_pyarrow_the_export_names_the_extra_to_install(
    reviews: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what `import pyarrow` finds missing

    result = export(reviews, tmp_path / "out")

    assert result.exit_code == 1
    assert "pip install 'slack-labeler[parquet]'" in result.output
    assert "Traceback" not in result.output


def test_an_existing_folder_is_used_only_when_empty(reviews: str, tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    (full / "notes.txt").write_text("keep me")

    assert export(reviews, empty).exit_code == 0
    refused = export(reviews, full)

    assert (empty / "README.md").exists()
    assert refused.exit_code == 4
    assert "is a folder that is not empty" in refused.output
    assert [p.name for p in full.iterdir()] == ["notes.txt"]


def test_a_failed_export_leaves_nothing_behind(
    reviews: str, tmp_path: Path, session_factory: SessionFactory
) -> None:
    with unit_of_work(session_factory) as session:  # a lead removed a choice in use
        project = session.scalars(select(Project)).one()
        spec = dict(project.spec)
        spec["task"] = {**spec["task"], "choices": spec["task"]["choices"][:2]}
        project.spec = spec

    exports = tmp_path / "exports"
    exports.mkdir()

    result = export(reviews, exports / "out")

    assert result.exit_code == 1
    assert "item 'r2' has the label 'negative', which is not one of the task's" in result.output
    assert list(exports.iterdir()) == []  # neither the folder nor its temporary


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_exported_files_and_folders_follow_the_umask(
    reviews: str, tmp_path: Path, umask_027: None
) -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["export", reviews, "-o", str(tmp_path / "labels.jsonl")])
    studio = runner.invoke(
        app,
        ["export", reviews, "--format", "label-studio", "-o", str(tmp_path / "tasks.json")]
        + ["--label-config", str(tmp_path / "config.xml")],
    )
    dataset = export(reviews, tmp_path / "dataset")

    assert (text.exit_code, studio.exit_code, dataset.exit_code) == (0, 0, 0)
    for name in ["labels.jsonl", "tasks.json", "config.xml", "dataset/README.md"]:
        assert mode(tmp_path / name) == 0o640, name
    assert mode(tmp_path / "dataset/data/train-00000-of-00001.parquet") == 0o640
    assert mode(tmp_path / "dataset") == mode(tmp_path / "dataset/data") == 0o750


def test_slack_exports_refuse_parquet_which_is_a_folder() -> None:
    with pytest.raises(ValueError, match="parquet is a folder"):
        writer_for(ExportFormat.PARQUET, make_spec(), "sentiment")


def test_split_plans_keep_the_order_given() -> None:
    plan = parse_splits(" test = 0.25 , train=0.75")

    assert (plan.names, plan.fractions) == (("test", "train"), (0.25, 0.75))
    assert str(plan) == "test=0.25,train=0.75"


def test_items_in_several_batches_all_land_in_the_dataset(
    session_factory: SessionFactory, tmp_path: Path, cli_database: str
) -> None:
    slug = labeled_project(session_factory, tmp_path, {"positive": 7, "negative": 5}, 3)
    folder = tmp_path / "out"
    folder.mkdir()
    with read_only(session_factory) as session:
        summary = write_dataset(
            session,
            project_named(session, slug),
            folder,
            plan=parse_splits("train=0.5,test=0.5"),
            batch_size=4,
        )

    loaded = load(folder, tmp_path)
    assert summary.rows == 15 == len(loaded["train"]) + len(loaded["test"])
    with unit_of_work(session_factory) as session:
        ids = set(session.scalars(select(Item.external_id)))
    assert set(loaded["train"]["id"]) | set(loaded["test"]["id"]) == ids
