"""The digests' charts (the daily progress chart, the weekly learning curve of a project's
model), drawn with matplotlib's Agg canvas (no display, no pyplot state, so it is safe in the
scheduler's threads)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.metrics import DayThroughput

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.reports.model_figures import TrainingPoint

#: Above this many runs the learning curve is drawn without a marker per run.
MARKERS_UP_TO = 40


def cumulative_complete(days: Sequence[DayThroughput], complete_now: int) -> list[int]:
    """Items complete at the end of each day, walking back from today's count (an item that
    was reopened later counts as complete on the day it was first finished)."""
    totals: list[int] = []
    running = complete_now
    for day in reversed(days):
        totals.append(max(running, 0))
        running -= day.completions
    return list(reversed(totals))


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def progress_chart(
    days: Sequence[DayThroughput], complete_now: int, total_items: int, title: str
) -> bytes:
    """The digest's chart as a PNG (see `draw_progress`)."""
    return png(draw_progress(days, complete_now, total_items, title))


def draw_progress(
    days: Sequence[DayThroughput], complete_now: int, total_items: int, title: str
) -> Figure:
    """Answers per day as bars, items complete (cumulative) as a line on a second axis.

    Days are plotted at numeric positions with their dates as tick labels (strings would make
    matplotlib log "categorical units" at every digest), and the legend sits below the axes,
    outside them, where it covers neither the title nor a bar."""
    # matplotlib takes half a second to import: only the digest pays it, not `--help`.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    positions = list(range(len(days)))
    axis.bar(positions, [day.answers for day in days], color="#4a90d9", label="answers per day")
    axis.set_ylabel("answers per day")
    axis.set_xticks(positions, [day.day.strftime("%b %d") for day in days])
    axis.tick_params(axis="x", labelrotation=45, labelsize=8)
    completion = axis.twinx()
    completion.plot(
        positions,
        cumulative_complete(days, complete_now),
        color="#2e7d32",
        marker="o",
        label="items complete",
    )
    completion.set_ylabel("items complete")
    completion.set_ylim(0, max(total_items, complete_now, 1) * 1.05)
    axis.set_title(title.replace("$", r"\$"), fontsize=11)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return figure


def learning_curve_chart(points: Sequence[TrainingPoint], title: str) -> bytes:
    """The weekly digest's learning curve as a PNG (see `draw_learning_curve`)."""
    return png(draw_learning_curve(points, title))


def draw_learning_curve(points: Sequence[TrainingPoint], title: str) -> Figure:
    """Cross-validated accuracy and macro-F1 of every training run against the decided labels
    it had: whether more labels still help. The y axis is 0–100%, so a flat curve looks flat
    rather than being stretched by autoscaling; the legend sits below, as on the daily chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    figure = Figure(figsize=(8, 3.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    marker = "o" if len(points) <= MARKERS_UP_TO else None
    for key, name, color in (
        ("accuracy", "accuracy", "#4a90d9"),
        ("macro_f1", "macro-F1", "#e07b39"),
    ):
        shown = [(p.labels, getattr(p, key)) for p in points if getattr(p, key) is not None]
        axis.plot(
            [x for x, _ in shown],
            [100 * y for _, y in shown],
            color=color,
            marker=marker,
            label=f"{name} (cross-validated)",
        )
    axis.set_ylim(0, 100)
    axis.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    axis.set_xlabel("decided labels when the model was trained")
    axis.grid(axis="y", alpha=0.3)
    axis.set_title(title.replace("$", r"\$"), fontsize=11)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return figure
