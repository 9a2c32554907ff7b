"""Every command, shortcut and event that manifest.yml declares has a registered listener:
Bolt answers 404 for a request no listener matches, which Slack counts as a failure."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.harness import BotHarness

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text())
EVENT_PAYLOADS = {
    "app_home_opened": {
        "type": "app_home_opened",
        "user": "U0ANNOT001",
        "tab": "home",
        "channel": "D0ANNOT001",
        "event_ts": "1712000000.000100",
    },
    "message.channels": {
        "type": "message",
        "channel": "C0REVIEW01",
        "user": "U0ANNOT001",
        "text": "hi",
        "ts": "1712000000.000200",
        "channel_type": "channel",
    },
    "message.groups": {
        "type": "message",
        "channel": "G0PRIVATE1",
        "user": "U0ANNOT001",
        "text": "hi",
        "ts": "1712000000.000300",
        "channel_type": "group",
    },
}


def test_every_declared_slash_command_is_handled(bot: BotHarness) -> None:
    for command in MANIFEST["features"]["slash_commands"]:
        request = bot.payloads.slash_command("help", "U0ANNOT001", command=command["command"])
        assert bot.slack.send(request).status == 200, command["command"]


def test_every_declared_shortcut_is_handled(bot: BotHarness) -> None:
    message = {"type": "message", "user": "U0X", "ts": "1712.5", "text": "x"}
    for shortcut in MANIFEST["features"]["shortcuts"]:
        request = bot.payloads.message_shortcut(
            shortcut["callback_id"], message, "C0X", "U0ANNOT001"
        )
        assert bot.slack.send(request).status == 200, shortcut["callback_id"]


def test_every_subscribed_event_is_handled(bot: BotHarness) -> None:
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_PAYLOADS)
    for name in events:
        assert bot.slack.send(bot.payloads.event(dict(EVENT_PAYLOADS[name]))).status == 200, name
