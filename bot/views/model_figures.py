"""The weekly digest's section on the project's own model: what a lead needs to decide whether
to trust it (cross-validated quality, agreement with people, label errors it found and how
they were settled) and whether its suggestions sway the annotators."""

from __future__ import annotations

from bot.metrics import Accuracy
from bot.reports.model_figures import ModelFigures, TrainingPoint
from bot.views.blocks import Block, context, section
from bot.views.stats import not_trained_text, percent

#: Once a model has predicted the queue, people get its least certain items first (storage.queue),
#: so what is measured on their labels is measured on the hardest items (docs/model.md).
HARDEST_FIRST = (
    "Measured on the items people labeled. Since v1 the queue has given them the items the "
    "model was least sure of first, so these figures understate it on the rest of the queue."
)


def trained_text(run: TrainingPoint, previous: TrainingPoint | None) -> str:
    """Which run, when, on how much, and how good by cross-validation (against the run
    before, so a text-only reader sees the trend the chart shows)."""
    data = (
        f"the newest {run.trained_on:,} of {run.labels:,} decided labels"
        if run.trained_on < run.labels
        else f"{run.trained_on:,} decided labels"
    )
    folds = f", {run.folds}-fold" if run.folds else ""
    before = (
        f" (was {percent(previous.accuracy)} at v{previous.version}, {previous.labels:,} labels)"
        if previous is not None
        else ""
    )
    return (
        f"*Model* v{run.version}, trained {run.day:%d %b %Y} on {data}\n"
        f"Cross-validated{folds}: accuracy *{percent(run.accuracy)}* · macro-F1 "
        f"*{percent(run.macro_f1)}*{before}"
    )


def agreement_text(model: ModelFigures) -> str:
    agreement = model.agreement
    if not agreement.scored:
        return "No item the model predicted has been decided by people yet."
    return (
        f"The model agreed with people on *{percent(agreement.value)}* of "
        f"{agreement.scored:,} items it predicted before they were decided."
    )


def issues_text(model: ModelFigures) -> str:
    issues = model.issues
    if not issues.found:
        if model.label_errors_per_day == 0:
            return "Possible label errors: not searched (`label_errors_per_day: 0`)."
        return "Possible label errors: none found."
    sent_back = f" · {issues.sent_back:,} sent back for more answers" if issues.sent_back else ""
    return (
        f"Possible label errors: {issues.found:,} found · {issues.changed:,} changed (the label "
        f"was wrong) · {issues.kept:,} kept{sent_back} · {issues.open:,} still in review"
    )


def _answers(accuracy: Accuracy) -> str:
    if not accuracy.scored:
        return "no scored answers yet"
    return f"{percent(accuracy.value)} of {accuracy.scored:,} answers"


def suggestions_text(model: ModelFigures) -> str:
    """Answers matching the decided label, with the suggestion on the card and without: a
    gap between the two is the suggestion anchoring people."""
    return (
        "Answers matching the decided label: with the model's suggestion on the card "
        f"{_answers(model.with_suggestion)}; without {_answers(model.without_suggestion)}."
    )


def model_blocks(model: ModelFigures, *, chart: bool) -> list[Block]:
    """Section blocks for the weekly digest; `chart` says the learning curve follows."""
    run = model.latest
    if run is None:
        return [section(f"*Model* ({model.kind}): {not_trained_text(model)}")]
    previous = model.runs[-2] if len(model.runs) > 1 else None
    lines = [trained_text(run, previous), agreement_text(model), issues_text(model)]
    if model.shows_suggestions:
        lines.append(suggestions_text(model))
    blocks = [section("\n".join(lines))]
    if run.version > 1:
        blocks.append(context([HARDEST_FIRST]))
    if chart:
        blocks.append(
            context(["Learning curve below: accuracy and macro-F1 at each training run."])
        )
    return blocks
