"""Digests through the fake Slack Web API: content, the PNG chart, private quality flags,
one post per period, and `/label digest` for leads only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from bot.cli.app import app
from bot.delivery.digests import post_digest
from bot.domain.access import StaticDirectory
from bot.reports.digest import manual_period
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, AuditEvent, DigestRun, Item, Review, ReviewStatus
from tests.harness import BotHarness, all_text, eventually
from tests.test_stats_cli import (
    DIGEST_CHANNEL,
    LEAD,
    REVIEW_CHANNEL,
    A,
    B,
    build_dataset,
    yesterday_at,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOW = datetime.now(UTC)


def add_poor_gold_answers(bot: BotHarness, project_id: int, annotator: str) -> None:
    """Twenty gold items answered wrongly by `annotator`: enough to flag them."""
    with bot.session() as session:
        for n in range(20):
            item = Item(
                project_id=project_id,
                external_id=f"g{n}",
                data={"text": "g"},
                required_answers=2,
                is_gold=True,
                gold_answer="positive",
                answer_count=1,
            )
            session.add(item)
            session.flush()
            session.add(
                Annotation(
                    item_id=item.id,
                    project_id=project_id,
                    annotator=annotator,
                    value="negative",
                    created_at=NOW - timedelta(hours=2),
                )
            )


def post(bot: BotHarness, kind: str = "daily", period: str = "2026-01-05T09:00") -> bool:
    now = datetime.now(UTC)
    return post_digest(
        bot.sessions,
        bot.services.client,
        StaticDirectory(),
        "sentiment",
        kind,  # type: ignore[arg-type]
        period,
        now,
    )


def test_daily_digest_posts_progress_and_a_png_chart_to_the_digest_channel(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        build_dataset(session)
        waiting_since = datetime.now(UTC) - timedelta(hours=50)
        session.execute(
            update(Review)
            .where(Review.status == ReviewStatus.OPEN)
            .values(created_at=waiting_since)
        )

    assert post(bot) is True

    message = bot.fake.last("chat.postMessage")
    assert message["channel"] == DIGEST_CHANNEL and message["text"]
    text = all_text(message["blocks"])
    assert "4 of 6 items complete" in text and "67%" in text
    since = datetime.now(UTC) - timedelta(hours=24)
    base = yesterday_at(10)
    given = [base + timedelta(minutes=m) for m in (0, 1, 2, 3, 10, 11)] + [
        base + timedelta(seconds=30)
    ] * 5
    expected = 1 + sum(moment >= since for moment in given)  # C answered just now
    assert f"Last 24 hours:* {expected} answers" in text
    assert "*Review*\n1 item waits for a lead · oldest 2 days · 1 resolved" in text
    assert "In review" not in text and "Review queue" not in text, "one review line, not two"
    assert "negative ↔ positive (2×)" in text
    assert "on track" in text
    complete = bot.fake.last("files.completeUploadExternal")
    assert complete["channel_id"] == DIGEST_CHANNEL
    [png] = bot.fake.uploads.values()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000
    with bot.session() as session:
        run = session.scalars(select(DigestRun)).one()
        assert (run.kind, run.period, run.status) == ("daily", "2026-01-05T09:00", "posted")


def test_quality_flags_go_to_each_lead_privately_and_never_to_the_channel(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        project_id = build_dataset(session)
    add_poor_gold_answers(bot, project_id, B)

    post(bot)

    posts = bot.fake.calls_to("chat.postMessage")
    public = [p for p in posts if p["channel"] == DIGEST_CHANNEL]
    private = [p for p in posts if p["channel"] == bot.fake.dm_channel_for(LEAD)]
    assert len(public) == 1 and len(private) == 1 and len(posts) == 2
    assert B not in all_text(public[0]["blocks"]) and "calibration" not in public[0]["text"]
    flags = all_text(private[0]["blocks"])
    assert f"<@{B}>" in flags and "gold 0% (21)" in flags and A not in flags


def test_a_period_is_posted_once_and_a_failed_post_can_be_retried(bot: BotHarness) -> None:
    with bot.session() as session:
        build_dataset(session)
    bot.fake.fail_next("chat.postMessage", error="channel_not_found")

    try:
        post(bot)
    except Exception:  # noqa: BLE001 - the Slack error propagates to the caller
        pass
    assert post(bot) is True
    assert post(bot) is False

    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 1


def test_weekly_summary_goes_to_the_review_channel(bot: BotHarness) -> None:
    with bot.session() as session:
        build_dataset(session)

    post(bot, "weekly", "2026-01-05T09:00")

    [message, lead_note] = bot.fake.calls_to("chat.postMessage")
    assert message["channel"] == REVIEW_CHANNEL
    text = all_text(message["blocks"])
    assert "Agreement:* 60% this week" in text and "negative ↔ positive" in text
    assert "Edge cases added:* 0" in text and "Guideline feedback received:* 0" in text
    assert A not in text and B not in text  # per-person figures never go to a channel
    bot.fake.assert_not_called("files.completeUploadExternal")
    # The leads get everyone's quality this week privately, unflagged on so few answers.
    assert lead_note["channel"] == bot.fake.dm_channel_for(LEAD)
    quality = all_text(lead_note["blocks"])
    assert f"<@{A}>: quality 100% (4 of 4)" in quality
    assert "agrees with the decided label 100% (3) · gold 100% (1)" in quality
    assert f"<@{B}>: quality 75% (3 of 4)" in quality and ":warning:" not in quality


def test_label_digest_is_refused_to_non_leads(bot: BotHarness) -> None:
    with bot.session() as session:
        build_dataset(session)

    assert bot.command("digest sentiment", A).status == 200

    reply = bot.wait_response(1)
    assert "Only a lead" in reply["text"]
    bot.fake.assert_not_called("chat.postMessage", within=0.3)
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_label_digest_by_a_lead_posts_now_and_is_audited(bot: BotHarness) -> None:
    with bot.session() as session:
        build_dataset(session)

    assert bot.command("digest sentiment weekly", LEAD).status == 200

    assert "Posting the weekly digest" in bot.wait_response(1)["text"]
    message = bot.fake.wait_for("chat.postMessage")[0]
    assert message["channel"] == REVIEW_CHANNEL
    with bot.session() as session:
        event = session.scalars(select(AuditEvent)).one()
        assert (event.actor, event.action, event.detail) == (
            LEAD,
            "post_digest",
            {"kind": "weekly"},
        )
        run = eventually(lambda: session.scalars(select(DigestRun)).first())
        assert run.period.startswith("manual-")


def test_manual_periods_are_distinct_and_fit_the_column() -> None:
    first, second = manual_period(NOW), manual_period(NOW + timedelta(microseconds=1))
    assert first != second and len(first) <= 32


def test_digest_dry_run_prints_the_messages_as_json_and_posts_nothing(
    database_url: str, session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with unit_of_work(session_factory) as session:
        project_id = build_dataset(session)
        for n in range(20):
            item = Item(
                project_id=project_id,
                external_id=f"g{n}",
                data={"text": "g"},
                required_answers=2,
                is_gold=True,
                gold_answer="positive",
            )
            session.add(item)
            session.flush()
            session.add(
                Annotation(item_id=item.id, project_id=project_id, annotator=B, value="negative")
            )

    result = CliRunner().invoke(app, ["digest", "sentiment", "--dry-run"])

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["kind"] == "daily" and printed["chart_png_bytes"] > 5_000
    assert "4 of 26 items complete" in all_text(printed["message"]["blocks"])
    assert printed["leads_only"]["text"].endswith("1 annotator(s) may need calibration")
    assert B in all_text(printed["leads_only"]["blocks"])
    with unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0
