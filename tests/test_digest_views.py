"""What a digest reads like: one line for the review queue with the oldest wait, and a chart
whose legend covers nothing and whose drawing logs nothing."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.text import Text

from bot.metrics import DayThroughput
from bot.reports.charts import draw_progress, progress_chart
from bot.views.stats import age_text, review_text
from storage.stats_counts import ReviewCounts

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAYS = [DayThroughput(date(2026, 11, 1) + timedelta(days=n), 40 + n, n) for n in range(14)]


class Stats:
    """The two fields `review_text` reads, as `ProjectStats` has them."""

    def __init__(self, review: ReviewCounts) -> None:
        self.review, self.generated_at = review, NOW


def counts(open_: int, holding: int, oldest: datetime | None, resolved: int = 4) -> ReviewCounts:
    return ReviewCounts(
        open=open_,
        resolved=resolved,
        sent_back=0,
        oldest_open=oldest,
        open_holding=holding,
    )


@pytest.mark.parametrize(
    ("review", "line"),
    [
        (counts(0, 0, None), "nothing waiting · 4 resolved"),
        (
            counts(7, 7, NOW - timedelta(hours=5)),
            "7 items wait for a lead · oldest 5 h · 4 resolved",
        ),
        (
            counts(3, 1, (NOW - timedelta(days=3)).replace(tzinfo=None)),  # SQLite: naive UTC
            "1 item waits for a lead · 2 unsure flags · oldest 3 days · 4 resolved",
        ),
        (counts(1, 0, NOW - timedelta(minutes=12)), "1 unsure flag · oldest 12 min · 4 resolved"),
    ],
)
def test_the_review_queue_is_one_line_with_the_oldest_wait(review: ReviewCounts, line: str) -> None:
    assert review_text(Stats(review)) == line  # type: ignore[arg-type]


def test_ages_read_as_a_person_would_say_them() -> None:
    shown = [age_text(timedelta(minutes=m)) for m in (0, 59, 60, 47 * 60 + 59, 48 * 60, 10**5)]
    assert shown == ["0 min", "59 min", "1 h", "47 h", "2 days", "69 days"]


def test_the_legend_overlaps_neither_the_title_nor_the_axes() -> None:
    figure = draw_progress(DAYS, complete_now=120, total_items=300, title="Sentiment")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]

    [legend] = figure.legends
    box = legend.get_window_extent(renderer)
    title: Text = figure.axes[0].title
    assert not box.overlaps(title.get_window_extent(renderer))
    for axis in figure.axes:  # bars with their tick labels, and the completion line's axis
        assert not box.overlaps(axis.get_tightbbox(renderer))
    assert box.y1 < min(axis.get_tightbbox(renderer).y0 for axis in figure.axes)
    assert [t.get_text() for t in legend.get_texts()] == ["answers per day", "items complete"]


def test_drawing_the_chart_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="matplotlib"):
        png = progress_chart(DAYS, complete_now=120, total_items=300, title="Sentiment")

    assert png.startswith(b"\x89PNG")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
