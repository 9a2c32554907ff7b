"""The daily digest, the weekly quality summary, and the leads-only quality flags."""

from __future__ import annotations

from collections.abc import Sequence

from bot.metrics import ConfusionPair
from bot.metrics.quality import LOW_QUALITY, MIN_SCORED, AnnotatorQuality, Estimate
from bot.reports.digest import DailyDigest, WeeklyDigest
from bot.reports.stats import AgreementFigures
from bot.views.blocks import Block, cap_blocks, context, header, safe, section
from bot.views.message import Message
from bot.views.model_figures import model_blocks
from bot.views.people import mention
from bot.views.stats import percent, ratio, summary_blocks

MAX_QUALITY_ROWS = 25


def pair_text(pair: ConfusionPair) -> str:
    return f"{safe(pair.first, 80)} ↔ {safe(pair.second, 80)} ({pair.count:,}×)"


def render_daily(digest: DailyDigest) -> Message:
    stats = digest.stats
    blocks: list[Block] = [
        header(f"{stats.title}: daily progress"),
        *summary_blocks(stats),
        section(f"*Last 24 hours:* {digest.answers_last_day:,} answers"),
    ]
    if digest.top_confusion is not None:
        blocks.append(section(f"*Most confused labels:* {pair_text(digest.top_confusion)}"))
    blocks.append(context([f"{stats.generated_at:%Y-%m-%d %H:%M} UTC · chart below"]))
    text = (
        f"{stats.title}: {stats.items.complete:,} of {stats.items.total:,} items complete, "
        f"{digest.answers_last_day:,} answers in the last 24 hours"
    )
    return Message(blocks=cap_blocks(blocks), text=text)


def trend(now: AgreementFigures, before: AgreementFigures) -> str:
    current, previous = now.percent.value, before.percent.value
    arrow = ""
    if current is not None and previous is not None:
        arrow = " ↑" if current > previous + 0.005 else " ↓" if current < previous - 0.005 else " →"
    return (
        f"{percent(current)} this week (α {ratio(now.alpha.value)}, {now.items:,} items) "
        f"vs {percent(previous)} last week (α {ratio(before.alpha.value)}){arrow}"
    )


def _listing(count: int, latest: Sequence[str], noun: str) -> str:
    lines = "".join(f"\n• {safe(text, 200)}" for text in latest)
    return f"*{noun}:* {count:,}{lines}"


def render_weekly(digest: WeeklyDigest) -> Message:
    disputed = ", ".join(pair_text(pair) for pair in digest.disputed[:3]) or "none"
    blocks: list[Block] = [
        header(f"{digest.title}: weekly quality"),
        context([f"{digest.week_start:%d %b} to {digest.week_end:%d %b %Y}"]),
        section(f"*Agreement:* {trend(digest.this_week, digest.last_week)}"),
        section(f"*Answers this week:* {digest.answers_this_week:,}"),
        section(f"*Most disputed labels:* {disputed}"),
        section(_listing(*digest.edge_cases, "Edge cases added")),
        section(_listing(*digest.feedback, "Guideline feedback received")),
    ]
    if digest.model is not None:
        blocks += model_blocks(digest.model, chart=digest.chart is not None)
    agreement = percent(digest.this_week.percent.value)
    text = f"{digest.title}: weekly quality, agreement {agreement}"
    return Message(blocks=cap_blocks(blocks), text=text)


def quality_line(row: AnnotatorQuality) -> str:
    """One annotator's scored answers: both sources and the pooled figure, with counts."""
    marker = ":warning: " if row.flagged else ""
    return (
        f"• {marker}{mention(row.annotator)}: quality {percent(row.quality.value)} "
        f"({row.quality.correct} of {row.quality.scored}) · agrees with the decided label "
        f"{percent(row.agreement.value)} ({row.agreement.scored}) · gold "
        f"{percent(row.gold.value)} ({row.gold.scored}){estimate_text(row.estimate)}"
    )


def estimate_text(estimate: Estimate | None) -> str:
    """The weighted model's estimate, for projects that have one."""
    if estimate is None:
        return ""
    habit = estimate.habit()
    habit = f", over-uses {safe(habit, 80)}" if habit else ""
    return f" · model estimate {percent(estimate.accuracy)} ({estimate.answers}{habit})"


def render_lead_quality(
    title: str, rows: Sequence[AnnotatorQuality], weekly: bool
) -> Message | None:
    """Sent to each lead privately (names and figures never go to a channel): the weekly
    digest lists everyone's quality this week; the daily one only who is flagged."""
    flagged = [row for row in rows if row.flagged]
    shown = list(rows) if weekly else flagged
    if not shown:
        return None
    lines = "\n".join(quality_line(row) for row in shown[:MAX_QUALITY_ROWS])
    more = len(shown) - MAX_QUALITY_ROWS
    if more > 0:
        lines += f"\n…and {more} more (see `python -m bot stats`)"
    heading = "annotator quality this week" if weekly else "annotators who may need calibration"
    advice = (
        f"\n:warning: {len(flagged)} annotator(s) are confidently below {percent(LOW_QUALITY)}: "
        "consider a calibration session or a guideline walkthrough."
        if flagged
        else ""
    )
    blocks = [
        section(f"*{safe(title, 150)}: {heading}*\n{lines}{advice}"),
        context(
            [
                "Quality = answers matching the gold answer or the decided label. Flagged only "
                f"when even the upper end of its 95% interval is below {percent(LOW_QUALITY)} "
                f"over {MIN_SCORED}+ scored answers. Only project leads receive this message."
            ]
        ),
    ]
    text = (
        f"{title}: {len(flagged)} annotator(s) may need calibration"
        if flagged
        else f"{title}: annotator quality this week"
    )
    return Message(blocks=cap_blocks(blocks), text=text)
