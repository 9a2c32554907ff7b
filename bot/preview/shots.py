"""What a preview shows: one `Shot` per message kind, holding exactly what the bot sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.views.message import Message

Surface = Literal["message", "modal", "home"]


@dataclass(frozen=True)
class Post:
    """One message as sent: its blocks and its notification `text`; `file` is an upload
    that follows it (title, PNG bytes), such as the digest's chart."""

    blocks: list[dict[str, Any]]
    text: str
    ephemeral: bool = False
    file: tuple[str, bytes] | None = None

    @classmethod
    def of(cls, message: Message, *, ephemeral: bool = False) -> Post:
        return cls(blocks=message.blocks, text=message.text, ephemeral=ephemeral)


@dataclass(frozen=True)
class Shot:
    """A message kind: `name` is the PNG's file stem, `where` says who sees it where,
    `source` names the view function(s) that built it; `main` shots go in the README.
    `channel` names the conversation drawn around a message (`where` when not given);
    `notifications` adds each message's `text` as the notification Slack shows for it."""

    name: str
    title: str
    where: str
    source: str
    posts: list[Post] = field(default_factory=list)
    view: dict[str, Any] | None = None  # a modal or the App Home tab
    main: bool = False
    channel: str | None = None  # the conversation's name in the frame, if not `where`
    notifications: bool = False  # also draw each message's `text` as Slack's notification

    @property
    def surface(self) -> Surface:
        if self.view is None:
            return "message"
        return "home" if self.view.get("type") == "home" else "modal"


EPHEMERAL = "Only visible to you, in the conversation where /label was typed"
COMMAND_CHANNEL = "#general"


def ephemeral(name: str, title: str, source: str, *messages: Message, main: bool = False) -> Shot:
    """A reply to a slash command: ephemeral messages in whatever channel it was typed in."""
    posts = [Post.of(message, ephemeral=True) for message in messages]
    return Shot(name, title, EPHEMERAL, source, posts, main=main, channel=COMMAND_CHANNEL)
