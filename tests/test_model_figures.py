"""What a lead reads about the project's own model: the weekly digest's model section and its
learning curve, the `model` object of `stats --json`, and one line in `python -m bot stats`
and `/label stats`. A project without `model:` reads exactly as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.digests import post_digest
from bot.domain.access import StaticDirectory
from bot.flows.model_upkeep import train_project
from bot.reports.charts import draw_learning_curve
from bot.reports.model_figures import TrainingPoint
from storage.models import (
    Annotation,
    FinalMethod,
    Item,
    ItemStatus,
    LabelIssue,
    LabelModel,
    Project,
)
from tests.factories import create_project, make_spec
from tests.harness import BotHarness, all_text
from tests.test_block_limits import assert_valid
from tests.test_model_loop import add, balanced, decide
from tests.test_stats_cli import DIGEST_CHANNEL, LEAD, REVIEW_CHANNEL, build_dataset, run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SLUG = "tickets"
FIRST_RUN = datetime(2026, 3, 2, 8, tzinfo=UTC)
SECOND_RUN = datetime(2026, 3, 9, 8, tzinfo=UTC)


def model_project(bot: BotHarness, **policy: Any) -> int:
    spec = make_spec(
        SLUG,
        model={"kind": "text-logreg", "field": "text", "min_labels": 30, "retrain_every": 10}
        | policy,
        slack={"leads": [LEAD], "digest_channel": DIGEST_CHANNEL, "review_channel": REVIEW_CHANNEL},
    )
    with bot.session() as session:
        return create_project(session, spec).id


def train_at(bot: BotHarness, project_id: int, moment: datetime) -> None:
    bot.services.clock = lambda: moment
    assert train_project(bot.services, project_id, force=True) is not None


def decide_predicted(bot: BotHarness, project_id: int, disagree: int) -> list[int]:
    """People decide the items the model predicted: the first `disagree` with another label
    than the model's, the rest with its label."""
    with bot.session() as session:
        items = list(
            session.scalars(
                select(Item)
                .where(Item.project_id == project_id, Item.prediction.is_not(None))
                .order_by(Item.id)
            )
        )
        for n, item in enumerate(items):
            other = "neutral" if item.prediction != "neutral" else "positive"
            item.final_label = other if n < disagree else item.prediction
            item.status, item.final_method = ItemStatus.COMPLETE, FinalMethod.CONSENSUS
        return [item.id for item in items]


def answer(bot: BotHarness, item_ids: list[int], shown: list[tuple[bool, bool]]) -> None:
    """One current answer per item: (the suggestion was on the card, the answer matches the
    decided label)."""
    with bot.session() as session:
        for n, (item_id, (suggested, right)) in enumerate(zip(item_ids, shown, strict=True)):
            item = session.get(Item, item_id)
            assert item is not None
            wrong = "neutral" if item.final_label != "neutral" else "positive"
            session.add(
                Annotation(
                    item_id=item_id,
                    project_id=item.project_id,
                    annotator=f"U0ANSWER{n:02d}",
                    value=item.final_label if right else wrong,
                    suggestion_shown=suggested,
                )
            )


def issues(
    bot: BotHarness, project_id: int, item_ids: list[int], outcomes: list[str | None]
) -> None:
    """Possible label errors the model found on these items, settled (or not) as given."""
    with bot.session() as session:
        for item_id, outcome in zip(item_ids, outcomes, strict=True):
            session.add(
                LabelIssue(
                    project_id=project_id,
                    item_id=item_id,
                    model_version=1,
                    given="negative",
                    given_probability=0.1,
                    suggested="positive",
                    suggested_probability=0.8,
                    outcome=outcome,
                )
            )


def trained_project(bot: BotHarness) -> tuple[int, list[LabelModel]]:
    """Two training runs (30, then 44 decided labels); between them people decided the four
    items the first run predicted, one against its prediction; four possible label errors
    found (changed, kept, sent back, in review); five answers, two with the suggestion shown."""
    project_id = model_project(bot, suggest=True, label_errors_per_day=0)  # issues made below
    decided = decide(bot, project_id, balanced(30))
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        add(  # open items: the first run predicts them
            session,
            project,
            [
                "great love excellent happy the product",
                "wonderful perfect recommend my order",
                "broken terrible refund awful item",
                "arrived package delivered standard size",
            ],
        )
    train_at(bot, project_id, FIRST_RUN)
    predicted = decide_predicted(bot, project_id, disagree=1)
    decide(bot, project_id, balanced(10), seed=2)
    train_at(bot, project_id, SECOND_RUN)
    issues(bot, project_id, decided[:4], ["changed", "kept", "sent_back", None])
    answer(
        bot,
        [*predicted, decided[5]],
        [(True, True), (True, True), (False, True), (False, True), (False, False)],
    )
    with bot.session() as session:
        stored = list(session.scalars(select(LabelModel).order_by(LabelModel.version)))
    return project_id, stored


def post_weekly(bot: BotHarness, slug: str = SLUG) -> None:
    assert post_digest(
        bot.sessions,
        bot.services.client,
        StaticDirectory(),
        slug,
        "weekly",
        "2026-03-09T09:00",
        SECOND_RUN,
    )


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def test_the_weekly_digest_reports_the_model_and_uploads_its_learning_curve(
    bot: BotHarness,
) -> None:
    _, (first, second) = trained_project(bot)

    post_weekly(bot)

    message = bot.fake.calls_to("chat.postMessage")[0]
    assert message["channel"] == REVIEW_CHANNEL
    assert_valid(message["blocks"])
    text = all_text(message["blocks"])
    accuracy, macro_f1 = second.metrics["accuracy"], second.metrics["macro_f1"]
    assert "*Model* v2, trained 09 Mar 2026 on 44 decided labels" in text
    assert (
        f"Cross-validated, {second.metrics['folds']}-fold: accuracy *{percent(accuracy)}* · "
        f"macro-F1 *{percent(macro_f1)}* "
        f"(was {percent(first.metrics['accuracy'])} at v1, 30 labels)"
    ) in text
    assert (
        "The model agreed with people on *75%* of 4 items it predicted before they were decided."
    ) in text
    assert (
        "Possible label errors: 4 found · 1 changed (the label was wrong) · 1 kept · "
        "1 sent back for more answers · 1 still in review"
    ) in text
    assert (
        "Answers matching the decided label: with the model's suggestion on the card 100% of 2 "
        "answers; without 67% of 3 answers."
    ) in text
    assert "these figures understate it on the rest of the queue" in text, "v2 chose its labels"
    assert "Learning curve below" in text
    complete = bot.fake.last("files.completeUploadExternal")
    assert complete["channel_id"] == REVIEW_CHANNEL
    assert complete["files"][0]["title"] == "Test project tickets: model learning curve"
    [png] = bot.fake.uploads.values()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000


def test_stats_json_carries_the_model_figures_and_the_learning_curve(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, runs = trained_project(bot)
    monkeypatch.setenv("DATABASE_URL", database_url)

    result = run("stats", SLUG, "--json")

    assert result.exit_code == 0, result.output
    model = json.loads(result.output)["model"]
    curve = [
        {
            "version": r.version,
            "trained_at": moment.isoformat(),
            "labels": r.labels,
            "trained_on": r.trained_on,
            "accuracy": r.metrics["accuracy"],
            "macro_f1": r.metrics["macro_f1"],
            "folds": r.metrics["folds"],
        }
        for r, moment in zip(runs, [FIRST_RUN, SECOND_RUN], strict=True)
    ]
    assert model == {
        "kind": "text-logreg",
        "field": "text",
        "min_labels": 30,
        "decided_labels": 44,
        "suggest": True,
        "latest": curve[-1],
        "agreement_with_people": {"share": 0.75, "matching": 3, "scored": 4},
        "label_errors": {"found": 4, "changed": 1, "kept": 1, "sent_back": 1, "open": 1},
        "suggestions": {
            "shown": {"share": 1.0, "matching": 2, "scored": 2},
            "not_shown": {"share": 0.6667, "matching": 2, "scored": 3},
        },
        "learning_curve": curve,
    }
    assert [point["labels"] for point in curve] == [30, 44]


def test_the_stats_table_and_label_stats_show_one_model_line(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (_, second) = trained_project(bot)
    monkeypatch.setenv("DATABASE_URL", database_url)
    line = (
        f"Model v2: accuracy {percent(second.metrics['accuracy'])} · macro-F1 "
        f"{percent(second.metrics['macro_f1'])} (cross-validated, 44 labels, mostly its least "
        "certain items: understated) · agreed with "
        "people on 75% of 4 items · possible label errors 4 found, 1 changed, 1 kept, "
        "1 sent back, 1 open"
    )

    table = run("stats", SLUG)
    assert bot.command(f"stats {SLUG}", "U0SOMEONE1").status == 200

    assert table.exit_code == 0, table.output
    assert line in " ".join(table.output.split())  # rich may wrap the line
    assert line in all_text(bot.wait_response(1)["blocks"])


def test_before_the_first_training_the_digest_says_how_many_labels_are_needed(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = model_project(bot)
    decide(bot, project_id, balanced(12))
    monkeypatch.setenv("DATABASE_URL", database_url)

    post_weekly(bot)
    printed = run("stats", SLUG, "--json")

    text = all_text(bot.fake.calls_to("chat.postMessage")[0]["blocks"])
    assert "*Model* (text-logreg): no model yet: 12 of 30 labels needed" in text
    bot.fake.assert_not_called("files.completeUploadExternal")
    model = json.loads(printed.output)["model"]
    assert model["latest"] is None and model["learning_curve"] == []
    assert model["decided_labels"] == 12 and model["min_labels"] == 30
    assert "Model: no model yet: 12 of 30 labels needed" in run("stats", SLUG).output


def test_one_training_run_is_no_curve_and_suggestions_off_are_not_mentioned(
    bot: BotHarness,
) -> None:
    project_id = model_project(bot, label_errors_per_day=0)
    decide(bot, project_id, balanced(30))
    train_at(bot, project_id, FIRST_RUN)

    post_weekly(bot)

    text = all_text(bot.fake.calls_to("chat.postMessage")[0]["blocks"])
    assert "*Model* v1, trained 02 Mar 2026 on 30 decided labels" in text
    assert "(was" not in text and "Learning curve" not in text
    assert "understate" not in text, "v1 learned from labels the model did not choose"
    assert "No item the model predicted has been decided by people yet." in text
    assert "Possible label errors: not searched (`label_errors_per_day: 0`)." in text
    assert "suggestion" not in text
    bot.fake.assert_not_called("files.completeUploadExternal")


def test_a_project_without_a_model_reads_as_before(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with bot.session() as session:
        build_dataset(session)
    monkeypatch.setenv("DATABASE_URL", database_url)

    post_weekly(bot, "sentiment")

    [message, _] = bot.fake.calls_to("chat.postMessage")
    assert "Model" not in all_text(message["blocks"])
    assert message["blocks"][-1]["text"]["text"].startswith("*Guideline feedback received:*")
    bot.fake.assert_not_called("files.completeUploadExternal")
    assert json.loads(run("stats", "sentiment", "--json").output)["model"] is None
    assert "Model" not in run("stats", "sentiment").output


def test_the_learning_curve_plots_each_run_against_its_decided_labels() -> None:
    moment = datetime(2026, 3, 2, tzinfo=UTC)
    points = [
        TrainingPoint(1, 30, 30, 0.6, 0.5, 5, moment, moment.date()),
        TrainingPoint(2, 80, 80, 0.75, None, 5, moment, moment.date()),  # an older run's metrics
        TrainingPoint(3, 200, 150, 0.85, 0.8, 5, moment, moment.date()),
    ]

    figure = draw_learning_curve(points, "Tickets: $5 plans")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]

    [axis] = figure.axes
    accuracy, macro_f1 = axis.get_lines()
    assert list(accuracy.get_xdata()) == [30, 80, 200]  # type: ignore[arg-type]
    assert list(accuracy.get_ydata()) == [60, 75, 85]  # type: ignore[arg-type]
    assert list(macro_f1.get_xdata()) == [30, 200]  # type: ignore[arg-type]
    assert axis.get_ylim() == (0, 100)
    [legend] = figure.legends
    bounds = axis.get_tightbbox(renderer)
    assert bounds is not None and legend.get_window_extent(renderer).y1 < bounds.y0
