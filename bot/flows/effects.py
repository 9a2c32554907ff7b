"""What a flow asks Slack to do, as data: flows decide, the executor (`handlers/executor.py`)
carries out, after the ack and the commit, with one retry and error policy.

A flow returns an `Outcome`: a list of effects, or a `Refusal` (nothing is stored and the
person is told why, privately). Flows never hold a `WebClient`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from bot.views.lookup_card import ItemDetails
from bot.views.message import Message, render_notice
from bot.views.message_modal import MessageRef


@dataclass(frozen=True)
class Refusal:
    """Nothing changes (the transaction is rolled back); `text` tells the person why."""

    text: str

    @property
    def notice(self) -> Message:
        return render_notice(self.text)


@dataclass(frozen=True)
class Reply:
    """Answer through the interaction's `response_url`: replace the clicked message, or add a
    private (ephemeral) note. `url` is another interaction's response_url (a modal turning
    over the card it was opened from)."""

    message: Message
    replace: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Post:
    """A new message in a channel (or a thread reply)."""

    channel: str
    message: Message
    thread_ts: str | None = None


@dataclass(frozen=True)
class Update:
    """Edit one of the bot's own messages in place."""

    channel: str
    ts: str
    message: Message


@dataclass(frozen=True)
class DirectMessage:
    """A message in the person's DM with the bot."""

    user: str
    message: Message


@dataclass(frozen=True)
class Ephemeral:
    """A note only `user` sees, in `channel` (where no response_url can reach them)."""

    channel: str
    user: str
    message: Message


@dataclass(frozen=True)
class OpenModal:
    """Open a modal with the request's trigger id (valid for 3 s: opened first)."""

    view: dict[str, Any]


@dataclass(frozen=True)
class PublishHome:
    """The person's App Home tab."""

    user: str
    view: dict[str, Any]


@dataclass(frozen=True)
class PostCard:
    """A labeling card in the person's DM that becomes their one live card."""

    user: str
    project_id: int
    message: Message


@dataclass(frozen=True)
class MakeLive:
    """The message a Reply just replaced is the person's live card from now on."""

    user: str
    project_id: int
    channel: str
    ts: str


@dataclass(frozen=True)
class ShowItem:
    """An item's lookup card, privately; its review thread's link is asked of Slack first."""

    details: ItemDetails


@dataclass(frozen=True)
class OpenMessageModal:
    """The message shortcut's modal, opened at once; the message's permalink is asked of Slack
    afterwards and stored in the open modal."""

    view: dict[str, Any]
    ref: MessageRef


@dataclass(frozen=True)
class AddMessage:
    """Turn a Slack message into an item (and record the person's label), in the background:
    a long message's text is read again from Slack first."""

    user: str
    ref: MessageRef
    project_id: int
    choice: str | None


@dataclass(frozen=True)
class PublishReviews:
    """Post the project's pending review posts and refresh stale ones, in the background."""

    project_id: int | None


@dataclass(frozen=True)
class PostItems:
    """Post reserved items to a labeling channel, paced, in the background."""

    project_id: int
    channel: str
    item_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SendExport:
    """Write a project's export and upload it to the lead's DM, in the background."""

    user: str
    project_id: int
    slug: str
    title: str
    fmt: str


@dataclass(frozen=True)
class PostDigest:
    """Post a digest now (claimed like a scheduled one), in the background."""

    slug: str
    kind: str
    period: str


Effect: TypeAlias = (
    Reply
    | Post
    | Update
    | DirectMessage
    | Ephemeral
    | OpenModal
    | OpenMessageModal
    | AddMessage
    | PublishHome
    | PostCard
    | MakeLive
    | ShowItem
    | PublishReviews
    | PostItems
    | SendExport
    | PostDigest
)
Outcome: TypeAlias = list[Effect] | Refusal


def reply(message: Message, *, replace: bool = False) -> list[Effect]:
    """The common outcome: one answer through the response_url."""
    return [Reply(message, replace)]


def notice(text: str) -> list[Effect]:
    """A private one-line note."""
    return [Reply(render_notice(text))]
