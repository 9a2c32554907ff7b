"""The message shortcuts' Web API side: the modal opened at once with the message's permalink
added when Slack gives it, and a long message's text read again before it becomes an item."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows import shortcuts
from bot.flows.effects import AddMessage, Effect, Ephemeral, OpenMessageModal, Outcome, Refusal
from bot.runtime.services import Services
from bot.views.message_modal import MessageRef
from storage.db import unit_of_work


def open_message_modal(client: WebClient, trigger_id: str | None, effect: OpenMessageModal) -> None:
    """Open first (the trigger id expires in 3 s), then store the permalink in the modal."""
    view = dict(effect.view)
    opened = client.views_open(trigger_id=trigger_id, view=view)
    permalink = client.chat_getPermalink(channel=effect.ref.channel, message_ts=effect.ref.ts)
    view["private_metadata"] = effect.ref.model_copy(
        update={"permalink": permalink.get("permalink")}
    ).encode()
    client.views_update(view_id=opened["view"]["id"], hash=opened["view"].get("hash"), view=view)


def add_message(services: Services, client: WebClient, effect: AddMessage) -> list[Effect]:
    """Read the text if it did not travel with the modal, add the item in one transaction,
    and return what follows (a refusal too is told in the channel: no response_url reaches
    the person)."""
    ref = effect.ref
    text = ref.text if ref.text is not None else _fetch_text(client, ref)
    with unit_of_work(services.sessions) as session:
        outcome: Outcome = shortcuts.add(
            session, services, effect.user, ref, effect.project_id, effect.choice, text
        )
        if isinstance(outcome, Refusal):
            session.rollback()
    if isinstance(outcome, Refusal):
        return [Ephemeral(ref.channel, effect.user, outcome.notice)]
    return outcome


def _fetch_text(client: WebClient, ref: MessageRef) -> str | None:
    """A long message, read again from Slack (only short text travels with the modal)."""
    response = client.conversations_replies(channel=ref.channel, ts=ref.ts, limit=1, inclusive=True)
    for message in response.get("messages") or []:
        if message.get("ts") == ref.ts:
            return str(message.get("text") or "")
    return None
