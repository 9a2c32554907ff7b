"""How people appear in messages: a notifying mention only where a notification is meant
(a DM to a lead), a display name everywhere else (review posts, thread notes), so being
disputed or deciding a review never pings anyone."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.views.blocks import safe

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


def mention(user_id: str | None) -> str:
    """`<@U…>` for a Slack user id (it notifies them); any other name as escaped text."""
    if user_id and SLACK_USER_ID.match(user_id):
        return f"<@{user_id}>"
    return safe(user_id or "someone", 64)


def named(user_id: str | None, names: Mapping[str, str]) -> str:
    """The person's display name in bold, without notifying them; their id as text when the
    name is unknown (imported annotator names are shown as they are)."""
    if not user_id:
        return "someone"
    return f"*{safe(names.get(user_id) or user_id, 64)}*"
