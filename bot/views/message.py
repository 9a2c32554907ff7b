"""A message as the bot sends it (blocks plus the notification text every kind needs), and
the one-line notice used for replies and refusals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.views.blocks import Block, fallback_text, mrkdwn, safe


@dataclass(frozen=True)
class Message:
    """A message's blocks and its top-level `text`, which is made safe here, once for every
    message kind: Slack uses it for notifications, where live markup would ping or link."""

    blocks: list[Block]
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", fallback_text(self.text))


def render_notice(text: str) -> Message:
    """A one-line reply (ephemeral or replacing a card); the text is escaped here."""
    return Message(blocks=[{"type": "section", "text": mrkdwn(safe(text))}], text=text[:300])
