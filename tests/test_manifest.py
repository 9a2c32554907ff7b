"""manifest.yml is importable as-is: valid against Slack's manifest schema, and every
command, shortcut and event it declares is the one bot/slack/ids.py names."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.slack.ids import SLASH_COMMAND, Event, Shortcut

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "manifest.yml"
SCHEMA_RELATIVE = Path("shared") / "slack" / "manifest.schema.1.0.0.json"
SCHEMA_CANDIDATES = (
    REPO.parent / SCHEMA_RELATIVE,  # shared/ beside the repo: /work/shared, or ../shared in CI
    Path("/work") / SCHEMA_RELATIVE,
)
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


def _schema_path() -> Path:
    for candidate in SCHEMA_CANDIDATES:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in SCHEMA_CANDIDATES)
    pytest.fail(
        f"Slack's manifest schema not found (tried {tried}); shared/ must sit beside the repo"
    )


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


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
