"""manifest.yml is importable as-is: valid against Slack's manifest schema, and every
command, shortcut and event it declares is the one bot/slack/ids.py names.

Slack's schema is not part of this repository. It is read from `SLACK_MANIFEST_SCHEMA` or from
`shared/slack/` beside the checkout; where neither exists (a plain clone), the checks against
it are skipped with that reason, and the structural check below, written from the same
schema's limits, always runs."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.slack.ids import SLASH_COMMAND, Event, Shortcut

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "manifest.yml"
SCHEMA_NAME = "manifest.schema.1.0.0.json"
HTTP_ENDPOINT = "https://example.com/slack/events"
BOT_SCOPES = [
    "chat:write",
    "commands",
    "im:write",
    "users:read",
    "files:write",
    "channels:history",
    "groups:history",
    "usergroups:read",
]
# Bot events whose payloads arrive as Bolt's "message" event type.
MESSAGE_EVENTS = {"message.channels", "message.groups"}


def _schema_candidates() -> list[Path]:
    given = os.environ.get("SLACK_MANIFEST_SCHEMA")
    beside = REPO.parent / "shared" / "slack" / SCHEMA_NAME
    return [Path(given)] if given else [beside]


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    found = [c for c in _schema_candidates() if c.is_file()]
    if not found:
        tried = ", ".join(str(c) for c in _schema_candidates())
        pytest.skip(
            f"Slack's manifest schema is not here (tried {tried}; set SLACK_MANIFEST_SCHEMA): "
            "only the structural check ran"
        )
    schema = json.loads(found[0].read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


#: (path, the most characters) for the manifest's strings, and the most entries per list:
#: the limits of Slack's manifest schema 1.0.0 for the fields this app uses.
MAX_LENGTHS = {
    ("display_information", "name"): 35,
    ("display_information", "description"): 140,
    ("features", "bot_user", "display_name"): 80,
}
COMMAND_LIMITS = {"command": 32, "description": 2000, "usage_hint": 1000}
SHORTCUT_LIMITS = {"name": 24, "callback_id": 255, "description": 150}


def structural_problems(manifest: dict[str, Any]) -> list[str]:
    """What Slack's schema would refuse in the parts of a manifest this app uses, checked
    without the schema itself."""
    problems = []
    for path, most in MAX_LENGTHS.items():
        node: Any = manifest
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, str) or not 1 <= len(node) <= most:
            problems.append(f"{'.'.join(path)}: a string of 1 to {most} characters")
    for command in manifest.get("features", {}).get("slash_commands", []):
        problems += _within(command, COMMAND_LIMITS, f"slash command {command.get('command')}")
        if not str(command.get("command", "")).startswith("/"):
            problems.append(f"slash command {command.get('command')}: must start with /")
    shortcuts = manifest.get("features", {}).get("shortcuts", [])
    if len(shortcuts) > 10:
        problems.append("shortcuts: at most 10")
    for shortcut in shortcuts:
        problems += _within(shortcut, SHORTCUT_LIMITS, f"shortcut {shortcut.get('name')}")
        if shortcut.get("type") not in ("message", "global"):
            problems.append(f"shortcut {shortcut.get('name')}: type is message or global")
    events = manifest.get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])
    if len(events) > 100 or not all(isinstance(e, str) for e in events):
        problems.append("settings.event_subscriptions.bot_events: up to 100 names")
    scopes = manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])
    if not all(isinstance(s, str) and s for s in scopes):
        problems.append("oauth_config.scopes.bot: scope names")
    return problems


def _within(entry: dict[str, Any], limits: dict[str, int], what: str) -> list[str]:
    return [
        f"{what}: {key} is a string of 1 to {most} characters"
        for key, most in limits.items()
        if not isinstance(entry.get(key), str) or not 1 <= len(entry[key]) <= most
    ]


def test_manifest_holds_the_schemas_limits_checked_without_the_schema(
    manifest: dict[str, Any],
) -> None:
    assert structural_problems(manifest) == []
    assert structural_problems(http_mode(manifest)) == []


def test_the_structural_check_catches_what_the_schema_would() -> None:
    broken = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    broken["display_information"]["name"] = "L" * 36
    broken["features"]["slash_commands"][0]["command"] = "label"
    broken["features"]["shortcuts"][0]["name"] = "A shortcut name that is far too long"
    broken["features"]["shortcuts"][1]["type"] = "channel"
    problems = structural_problems(broken)
    assert len(problems) == 4, problems


def _errors(validator: Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=str)
    ]


def http_mode(manifest: dict[str, Any], endpoint: str = HTTP_ENDPOINT) -> dict[str, Any]:
    """The variant for HTTP request URLs that manifest.yml's header comment describes."""
    variant = copy.deepcopy(manifest)
    settings = variant["settings"]
    settings["socket_mode_enabled"] = False
    settings["event_subscriptions"]["request_url"] = endpoint
    settings["interactivity"]["request_url"] = endpoint
    for command in variant["features"]["slash_commands"]:
        command["url"] = endpoint
    return variant


def test_manifest_is_valid_against_slacks_schema(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    assert _errors(validator, manifest) == []


def test_http_mode_variant_is_valid_too(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    assert _errors(validator, http_mode(manifest)) == []


def test_schema_catches_a_typo(validator: Draft7Validator, manifest: dict[str, Any]) -> None:
    broken = copy.deepcopy(manifest)
    broken["settings"]["socket_mode_enable"] = True
    assert _errors(validator, broken)


def test_socket_mode_manifest_has_no_request_urls(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]
    assert "request_url" not in settings["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_slash_command_matches_ids(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [SLASH_COMMAND]
    assert commands[0]["should_escape"] is False
    assert commands[0]["usage_hint"]


def test_shortcuts_match_ids(manifest: dict[str, Any]) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    assert {s["callback_id"] for s in shortcuts} == {s.value for s in Shortcut}
    assert {s["type"] for s in shortcuts} == {"message"}
    assert {s["name"] for s in shortcuts} == {"Label this message", "Add to labeling queue"}


def test_events_match_ids(manifest: dict[str, Any]) -> None:
    bot_events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(bot_events) == {Event.APP_HOME_OPENED.value} | MESSAGE_EVENTS
    delivered_as = {Event.MESSAGE.value if e in MESSAGE_EVENTS else e for e in bot_events}
    assert delivered_as == {e.value for e in Event}


def test_background_color_is_a_hex_color(manifest: dict[str, Any]) -> None:
    # The schema spells this constraint "regex", which JSON Schema ignores.
    color = manifest["display_information"]["background_color"]
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", color)


def test_scopes_and_app_home(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"]["bot"] == BOT_SCOPES
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
