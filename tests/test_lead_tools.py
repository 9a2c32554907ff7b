"""Lead tools end to end: export to the lead's DM, pause and resume, the audit log and its CLI."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.slack.ids import Action
from storage.models import AuditEvent, GuidelineAck, Item, Project
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button, eventually

LEAD = "U0LEAD0001"
OTHER_LEAD = "U0LEAD0002"
ANNOTATOR = "U0ANNOT001"


def setup(bot: BotHarness, texts: list[str], slug: str = "sentiment", **spec: Any) -> int:
    with bot.session() as session:
        project = create_project(session, make_spec(slug, **spec))
        add_items(session, project, texts)
        return project.id


def audit_log(bot: BotHarness) -> list[tuple[str, str, dict[str, Any]]]:
    with bot.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(e.actor, e.action, e.detail) for e in events]


def notice(bot: BotHarness, count: int) -> str:
    return str(bot.wait_response(count).body["text"])


# -- export ------------------------------------------------------------------------------------


def test_export_uploads_the_jsonl_file_to_the_leads_dm(bot: BotHarness) -> None:
    setup(bot, ["one <b>", "two"])

    assert bot.command("export", LEAD).status == 200

    assert "Exporting Test project sentiment as jsonl" in notice(bot, 1)
    complete = bot.fake.wait_for("files.completeUploadExternal")[0]
    assert complete["channel_id"] == bot.fake.dm_channel_for(LEAD)
    assert complete["initial_comment"].startswith("Test project sentiment: 2 items exported")
    assert complete["files"][0]["title"].startswith("sentiment export")
    assert bot.fake.calls_to("files.getUploadURLExternal")[0]["filename"] == "sentiment.jsonl"
    [payload] = bot.fake.uploads.values()
    records = [json.loads(line) for line in payload.decode().splitlines()]
    assert [r["data"]["text"] for r in records] == ["one <b>", "two"]
    assert eventually(lambda: audit_log(bot)) == [
        (LEAD, "export", {"format": "jsonl", "items": 2, "filename": "sentiment.jsonl"})
    ]


def test_export_in_csv_names_format_and_project_in_either_order(bot: BotHarness) -> None:
    setup(bot, ["alpha"], slug="first")
    setup(bot, ["beta", "gamma"], slug="second")

    bot.command("export csv second", LEAD)

    bot.fake.wait_for("files.completeUploadExternal")
    [payload] = bot.fake.uploads.values()
    rows = list(csv.DictReader(io.StringIO(payload.decode())))
    assert [r["text"] for r in rows] == ["beta", "gamma"]
    assert bot.fake.calls_to("files.getUploadURLExternal")[0]["filename"] == "second.csv"


def test_a_lead_of_several_projects_must_name_one(bot: BotHarness) -> None:
    setup(bot, ["alpha"], slug="first")
    setup(bot, ["beta"], slug="second")

    bot.command("export", LEAD)

    assert "name one: first, second" in notice(bot, 1)
    bot.fake.assert_not_called("files.getUploadURLExternal", within=0.1)


def test_export_is_refused_to_non_leads_and_for_unfit_formats(bot: BotHarness) -> None:
    setup(bot, ["alpha"], kind="free_text")

    bot.command("export sentiment", ANNOTATOR)
    assert "Only a project lead" in notice(bot, 1)
    bot.command("export sentiment ground-truth", LEAD)
    assert "cannot be exported as ground-truth" in notice(bot, 2)
    bot.command("export sentiment jsonl csv", LEAD)
    usage = notice(bot, 3)
    assert "Usage: `/label export" in usage and "parquet" not in usage
    bot.command("export sentiment parquet", LEAD)
    assert "`python -m bot export PROJECT --format parquet -o DIR`" in notice(bot, 4)
    bot.fake.assert_not_called("files.getUploadURLExternal", within=0.1)
    assert audit_log(bot) == []


def test_a_failed_upload_is_reported_and_not_audited(bot: BotHarness) -> None:
    setup(bot, ["alpha"])
    bot.fake.fail_next("files.completeUploadExternal", error="not_in_channel")

    bot.command("export", LEAD)

    assert "export of Test project sentiment failed" in notice(bot, 2)
    assert audit_log(bot) == []


# -- pause / resume ----------------------------------------------------------------------------


def dm_after_next(bot: BotHarness, count: int) -> str:
    bot.command("next", ANNOTATOR)
    return all_text(bot.fake.wait_for("chat.postMessage", count)[count - 1]["blocks"])


def test_pause_stops_handing_out_items_and_resume_restarts(bot: BotHarness) -> None:
    project_id = setup(bot, ["first item text"])
    with bot.session() as session:
        session.add(GuidelineAck(project_id=project_id, user_id=ANNOTATOR, version="v1"))

    bot.command("pause", LEAD)
    assert "is paused" in notice(bot, 1)
    assert "paused by its leads" in dm_after_next(bot, 1)
    bot.wait_response(2)  # "your card is in your DM"

    bot.command("resume sentiment", LEAD)
    assert "running again" in notice(bot, 3)
    assert "first item text" in dm_after_next(bot, 2)

    assert [(actor, action) for actor, action, _ in audit_log(bot)] == [
        (LEAD, "pause"),
        (LEAD, "resume"),
    ]


def test_the_home_tab_shows_a_paused_project_without_start(bot: BotHarness) -> None:
    setup(bot, ["x"])
    bot.command("pause", LEAD)
    notice(bot, 1)

    bot.slack.send(bot.payloads.app_home_opened(ANNOTATOR))

    blocks = bot.fake.wait_for("views.publish")[0]["view"]["blocks"]
    assert "*paused*" in all_text(blocks)
    with pytest.raises(AssertionError):
        button(blocks, Action.START_LABELING)


def test_pausing_twice_changes_nothing_the_second_time(bot: BotHarness) -> None:
    setup(bot, ["x"])

    bot.command("pause", LEAD)
    notice(bot, 1)
    bot.command("pause", LEAD)

    assert "already paused" in notice(bot, 2)
    assert len(audit_log(bot)) == 1


def test_only_a_lead_of_that_project_may_pause_it(bot: BotHarness) -> None:
    setup(bot, ["x"], slug="mine")
    setup(bot, ["y"], slug="theirs", slack={"leads": [OTHER_LEAD]})

    bot.command("pause mine", ANNOTATOR)
    assert "Only a project lead" in notice(bot, 1)
    bot.command("pause mine", OTHER_LEAD)
    assert "Only a project lead" in notice(bot, 2)
    bot.command("resume nosuch", LEAD)
    assert "no project called 'nosuch'" in notice(bot, 3)
    with bot.session() as session:
        assert not any(session.scalars(select(Project.paused)))
    assert audit_log(bot) == []


def test_syncing_the_project_file_keeps_it_paused(bot: BotHarness) -> None:
    setup(bot, ["x"])
    bot.command("pause", LEAD)
    notice(bot, 1)

    with bot.session() as session:
        create_project(session, make_spec(title="Renamed"))

    with bot.session() as session:
        project = session.scalars(select(Project)).one()
        assert (project.title, project.paused) == ("Renamed", True)


def test_help_lists_lead_tools_for_leads_only(bot: BotHarness) -> None:
    setup(bot, ["x"])

    bot.command("help", ANNOTATOR)
    for_annotator = notice_blocks(bot, 1)
    bot.command("help", LEAD)
    for_lead = notice_blocks(bot, 2)
    for command in ("item <id", "search <words>"):
        assert command in for_annotator and command in for_lead
    for command in ("export [project] [format]", "pause [project]", "resume [project]"):
        assert command not in for_annotator and command in for_lead


def notice_blocks(bot: BotHarness, count: int) -> str:
    return all_text(bot.wait_response(count).body["blocks"])


# -- the audit command ---------------------------------------------------------------------------


def test_audit_cli_lists_entries_as_a_table_and_as_json(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(bot, ["x"])
    bot.command("pause", LEAD)
    notice(bot, 1)
    bot.command("resume", LEAD)
    notice(bot, 2)
    monkeypatch.setenv("DATABASE_URL", database_url)

    table = CliRunner().invoke(app, ["audit", "sentiment"])
    as_json = CliRunner().invoke(app, ["audit", "sentiment", "--json"])
    later = CliRunner().invoke(app, ["audit", "sentiment", "--since", "2999-01-01", "--json"])
    unknown = CliRunner().invoke(app, ["audit", "nosuch"])

    assert table.exit_code == 0, table.output
    assert "pause" in table.output and "resume" in table.output and LEAD in table.output
    entries = json.loads(as_json.stdout)
    assert [(e["actor"], e["action"]) for e in entries] == [(LEAD, "pause"), (LEAD, "resume")]
    assert entries[0]["created_at"].endswith("+00:00")
    assert json.loads(later.stdout) == []
    assert unknown.exit_code == 1 and "no project 'nosuch'" in unknown.output


def test_items_are_untouched_by_lead_tools(bot: BotHarness) -> None:
    setup(bot, ["x", "y"])

    bot.command("export", LEAD)
    bot.fake.wait_for("files.completeUploadExternal")

    with bot.session() as session:
        assert len(session.scalars(select(Item)).all()) == 2
