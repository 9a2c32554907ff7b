"""A project whose stored spec no longer validates (a stricter release, a hand-edited row) drops
out of every list, logged once; acting on it directly fails with the command that fixes it."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.delivery.review_posts import publish_pending_reviews
from bot.domain.assignment import assign_next
from bot.flows.channel_mode import plan_post
from bot.flows.effects import PostDigest, Refusal, Reply
from bot.flows.messages import eligible_projects
from bot.flows.project_choice import choose_project, lead_project
from bot.flows.review import send_to_review
from bot.flows.stats import my_stats_message, plan_digest
from bot.projects.sync import SYNC_COMMAND, StoredSpecInvalid, listable_projects, project_spec
from bot.runtime.config import Settings
from bot.scheduling.scheduler import start_scheduler
from bot.slack.app import sync_projects
from bot.slack.ids import Action
from bot.views.state import CardState
from storage.models import Annotation, Item, Project, utcnow
from tests.factories import add_items, create_project, make_spec, project_spec_dict
from tests.harness import BotHarness, all_text, button
from tests.test_review_routing import LEAD, review_posts, review_spec
from tests.test_scheduler import project_files

USER = "U0ANNOT001"
SOURCE_CHANNEL = "C0SOURCE01"
STORED_VALUE = "retired_kind_with_a_stored_value"
SYNC_LOG = "bot.projects.sync"


def break_stored_spec(session: Session, slug: str) -> None:
    """Overwrite the row's spec JSON in the database, as an older release might have left it."""
    broken: dict[str, Any] = {**project_spec_dict(slug), "task": {"kind": STORED_VALUE}}
    session.execute(update(Project).where(Project.slug == slug).values(spec=broken))


def projects_with_legacy_broken(session: Session, *valid: str, **spec: Any) -> None:
    for slug in valid:
        add_items(session, create_project(session, make_spec(slug, **spec)), [f"{slug} item"])
    create_project(session, make_spec("legacy", **spec))
    break_stored_spec(session, "legacy")


def sync_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SYNC_LOG]


def test_the_app_home_still_renders_without_the_broken_project(bot: BotHarness) -> None:
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment")

    assert bot.slack.send(bot.payloads.app_home_opened(USER)).status == 200

    text = all_text(bot.fake.wait_for("views.publish")[0]["view"]["blocks"])
    assert "Test project sentiment" in text
    assert "Test project legacy" not in text


def test_label_next_without_a_project_offers_only_the_projects_that_still_validate(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment", "topics")
        ids = {p.slug: p.id for p in session.scalars(select(Project))}

    assert bot.command("next", USER).status == 200

    picker = bot.wait_response(1).body["blocks"]
    offered = {
        int(button([block], Action.START_LABELING)["value"])
        for block in picker
        if block.get("accessory")
    }
    assert offered == {ids["sentiment"], ids["topics"]}


def test_label_next_with_only_one_valid_project_goes_straight_to_it(bot: BotHarness) -> None:
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment")

    assert bot.command("next", USER).status == 200

    card = bot.fake.wait_for("chat.postMessage")[0]
    assert card["channel"].startswith("D")
    assert "Test project sentiment" in all_text(card["blocks"])


def test_lists_for_leads_and_shortcuts_leave_the_broken_project_out(bot: BotHarness) -> None:
    slack = {"leads": [LEAD], "source_channels": [SOURCE_CHANNEL]}
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment", slack=slack)
        services = bot.services

        only_led = lead_project(session, services, LEAD, None)
        assert isinstance(only_led, Project) and only_led.slug == "sentiment"
        digest = plan_digest(session, services, LEAD, [])
        assert isinstance(digest, list) and digest[-1] == PostDigest("sentiment", ANY, ANY)
        posting = plan_post(session, services, LEAD, ["1"])
        assert isinstance(posting, Refusal)
        assert posting.text.startswith("Test project sentiment has no")
        eligible = eligible_projects(session, services, USER, SOURCE_CHANNEL)
        assert [p.slug for p in eligible] == ["sentiment"]
        mine = my_stats_message(session, services, USER, None)
        assert isinstance(mine, list) and isinstance(mine[0], Reply)

    assert bot.command("help", LEAD).status == 200
    assert "pause [project]" in all_text(bot.wait_response(1).body["blocks"])


def test_acting_on_the_broken_project_directly_fails_naming_the_sync_command(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment")
        legacy = session.scalars(select(Project).where(Project.slug == "legacy")).one()

        with pytest.raises(StoredSpecInvalid) as direct:
            project_spec(legacy)
        choice = choose_project(session, bot.services, USER, "legacy")

    message = str(direct.value)
    assert "'legacy'" in message and f"`{SYNC_COMMAND}`" in message
    assert STORED_VALUE not in message
    assert isinstance(choice, Refusal) and choice.text == message


def test_label_next_naming_the_broken_project_tells_the_person_what_to_do(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment")

    assert bot.command("next legacy", USER).status == 200

    reply = bot.wait_response(1).body
    told = all_text(reply["blocks"]) if reply.get("blocks") else reply["text"]
    assert SYNC_COMMAND in told and STORED_VALUE not in told


def test_an_answer_on_a_card_of_the_broken_project_is_answered_not_retried(
    bot: BotHarness,
) -> None:
    """A card handed out before the row broke: Slack retries a delivery that gets a 5xx, and
    this one would fail every time; it gets a 200 and nothing is stored."""
    with bot.session() as session:
        legacy = create_project(session, make_spec("legacy"))
        add_items(session, legacy, ["an item"])
        card = assign_next(session, legacy, USER, utcnow(), random.Random(1))
        assert card is not None
        value = CardState(project_id=legacy.id, lease_id=card.lease.id).encode()
        break_stored_spec(session, "legacy")

    response = bot.click(f"{Action.ANSWER}:positive", value, USER)

    assert response.status == 200
    with bot.session() as session:
        assert session.scalars(select(Annotation)).all() == []


def test_the_sync_command_named_in_the_message_exists() -> None:
    words = SYNC_COMMAND.split()
    assert words[:3] == ["python", "-m", "bot"]

    result = CliRunner().invoke(cli, [*words[3:], "--help"])

    assert result.exit_code == 0, result.output


def test_the_broken_project_is_logged_once_per_row_version_without_its_stored_values(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=SYNC_LOG)
    with bot.session() as session:
        projects_with_legacy_broken(session, "sentiment")

    for _ in range(3):
        with bot.session() as session:
            listed = listable_projects(session.scalars(select(Project).order_by(Project.slug)))
            assert [p.slug for p in listed] == ["sentiment"]

    [logged] = sync_log(caplog)
    assert "legacy" in logged and "1 validation error for ProjectSpec" in logged
    assert SYNC_COMMAND in logged and STORED_VALUE not in logged

    with bot.session() as session:
        break_stored_spec(session, "legacy")  # a new row version
    with bot.session() as session:
        listable_projects(session.scalars(select(Project)))
    assert len(sync_log(caplog)) == 2


def test_the_scheduler_gives_the_broken_project_no_jobs_and_still_schedules_the_others(
    bot: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url="sqlite://", projects_dir=project_files(tmp_path, ["sentiment", "legacy"])
    )
    sync_projects(settings, bot.sessions)
    with bot.session() as session:
        break_stored_spec(session, "legacy")

    scheduler = start_scheduler(settings, bot.sessions, bot.services.client, paused=True)
    try:
        digests = {job.id for job in scheduler.get_jobs() if job.id.startswith("digest:")}
    finally:
        scheduler.shutdown(wait=False)

    assert digests == {"digest:sentiment:daily", "digest:sentiment:weekly"}
    assert "no digest jobs for legacy" in caplog.text


def test_pending_reviews_of_other_projects_are_still_posted(bot: BotHarness) -> None:
    with bot.session() as session:
        for slug in ("legacy", "sentiment"):  # legacy's review comes first
            project = create_project(session, review_spec(slug=slug))
            [item_id] = add_items(session, project, [f"{slug} item"])
            item = session.get(Item, item_id)
            assert item is not None and send_to_review(session, item, LEAD) is not None
        break_stored_spec(session, "legacy")

    assert publish_pending_reviews(bot.services, bot.services.client) == 1

    [post] = review_posts(bot)
    assert "sentiment item" in all_text(post["blocks"])
