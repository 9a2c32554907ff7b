"""Label clicks as Slack sends them: a signed `block_actions` form POST, and the card that comes
back through the click's `response_url`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

from bot.views.state import CardState

SECRET = "bench-signing-secret-0123456789"
TOKEN = "xoxb-bench-0000-token"


def signed(body: str) -> dict[str, str]:
    """The headers Slack sends: the form's content type and its v0 HMAC signature."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def click_body(user: str, project_id: int, lease_id: int, response_url: str) -> str:
    """A click on the card's "Neutral" button, in Slack's documented `block_actions` shape."""
    value = CardState(project_id=project_id, lease_id=lease_id, choice="neutral").encode()
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "team_id": "T0BENCH"},
        "api_app_id": "A0BENCH",
        "token": "x",
        "team": {"id": "T0BENCH", "domain": "bench"},
        "trigger_id": "1.2.3",
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": "D0BENCH",
            "is_ephemeral": False,
        },
        "channel": {"id": "D0BENCH", "name": "directmessage"},
        "response_url": response_url,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": "answer:neutral",
                "block_id": "answer",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": "Neutral"},
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def link_click_body(user: str, project_id: int, lease_id: int, response_url: str) -> str:
    """A click on the card's "Open full guidelines" link button: the app only acks it, so it
    costs what every click pays before any labeling work (`click_floor.py`)."""
    payload = json.loads(
        urllib.parse.parse_qs(click_body(user, project_id, lease_id, response_url))["payload"][0]
    )
    payload["actions"] = [
        {
            "action_id": "open_link",
            "block_id": "guidelines",
            "type": "button",
            "action_ts": f"{time.time():.6f}",
            "text": {"type": "plain_text", "text": "Open full guidelines"},
        }
    ]
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def card_lease(card: dict[str, Any]) -> tuple[int | None, bool]:
    """The lease id the card's answer buttons carry (None on the done card), and whether the
    card confirms the answer ("Recorded …") rather than a notice such as "got its answers from
    others meanwhile"."""
    blocks = card.get("blocks", [])
    recorded = "Recorded" in json.dumps(blocks)
    for block in blocks:
        for element in block.get("elements", []):
            if str(element.get("action_id", "")).startswith("answer:"):
                return int(json.loads(element["value"])["l"]), recorded
    return None, recorded
