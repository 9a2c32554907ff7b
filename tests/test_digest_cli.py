"""`python -m bot digest PROJECT` posts the digest of the latest scheduled period, once: a
second run for the same period asks for `--force` instead of posting twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.delivery.digests import post_digest
from bot.domain.access import StaticDirectory
from bot.scheduling.scheduler import current_period, scheduled_period, trigger_for
from storage.models import DigestRun
from tests.factories import make_spec
from tests.harness import BOT_TOKEN, BotHarness
from tests.test_stats_cli import DIGEST_CHANNEL, build_dataset

# Monday 5 January 2026, 09:03 UTC: three minutes after the default 09:00 weekday digest.
MONDAY_LATE = datetime(2026, 1, 5, 9, 3, tzinfo=UTC)


@pytest.fixture
def cli(bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch) -> BotHarness:
    """The CLI pointed at the test database and the fake Slack, at `MONDAY_LATE`."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", bot.fake.url)
    # The command reads the clock through `storage.models.utcnow` when it runs.
    monkeypatch.setattr("storage.models.utcnow", lambda: MONDAY_LATE)
    with bot.session() as session:
        build_dataset(session)
    return bot


def digest(*args: str) -> Result:
    return CliRunner().invoke(app, ["digest", "sentiment", *args])


def public_posts(bot: BotHarness) -> int:
    return len([c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == DIGEST_CHANNEL])


def periods(bot: BotHarness) -> list[str]:
    with bot.session() as session:
        return list(session.scalars(select(DigestRun.period).order_by(DigestRun.id)))


def test_a_digest_posted_by_hand_is_the_scheduled_periods_so_the_scheduler_skips_it(
    cli: BotHarness,
) -> None:
    result = digest()

    assert result.exit_code == 0, result.output
    assert "Posted the daily digest of sentiment" in result.output
    assert public_posts(cli) == 1
    scheduled = scheduled_period(trigger_for(make_spec(), "daily"), MONDAY_LATE)
    assert periods(cli) == [scheduled] == ["2026-01-05T09:00"]
    late_run = post_digest(
        cli.sessions,
        cli.services.client,
        StaticDirectory(),
        "sentiment",
        "daily",
        scheduled,
        MONDAY_LATE,
    )
    assert late_run is False and public_posts(cli) == 1


def test_a_period_already_posted_asks_for_force_instead_of_posting_twice(
    cli: BotHarness,
) -> None:
    assert digest().exit_code == 0

    again = digest()

    assert again.exit_code == 1
    assert "already posted" in again.output and "--force" in again.output
    assert "2026-01-05T09:00 (UTC)" in again.output
    assert public_posts(cli) == 1 and len(periods(cli)) == 1

    forced = digest("--force")

    assert forced.exit_code == 0, forced.output
    assert public_posts(cli) == 2
    assert periods(cli)[1].startswith("manual-")


def test_the_weekly_summary_has_its_own_periods(cli: BotHarness) -> None:
    assert digest().exit_code == 0

    weekly = digest("--weekly")

    assert weekly.exit_code == 0, weekly.output
    assert periods(cli) == ["2026-01-05T09:00", "2026-01-05T09:00"]


@pytest.mark.parametrize(
    ("now", "cron", "period"),
    [
        (datetime(2026, 1, 10, 10, 0, tzinfo=UTC), "0 9 * * 1-5", "2026-01-09T09:00"),
        (datetime(2026, 1, 5, 8, 59, tzinfo=UTC), "0 9 * * 1-5", "2026-01-02T09:00"),
        (datetime(2026, 1, 20, 12, 0, tzinfo=UTC), "0 9 1 * *", "2026-01-01T09:00"),
        (MONDAY_LATE, "*/5 * * * *", "2026-01-05T09:00"),
    ],
)
def test_the_current_period_is_the_latest_scheduled_run_however_long_ago(
    now: datetime, cron: str, period: str
) -> None:
    assert current_period(make_spec(digest={"cron": cron}), "daily", now) == period
