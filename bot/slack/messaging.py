"""The Web API calls every message goes through, so each follows the same rules: no link or
media unfurls (an item's URL must not expand into the channel), the escaped fallback text of
`Message`, and one way to open a person's DM."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.views.message import Message


def post_message(
    client: WebClient, channel: str, message: Message, *, thread_ts: str | None = None
) -> str:
    """Post and return the new message's ts."""
    response = client.chat_postMessage(
        channel=channel,
        blocks=message.blocks,
        text=message.text,
        thread_ts=thread_ts,
        unfurl_links=False,
        unfurl_media=False,
    )
    return str(response.get("ts") or "")


def update_message(client: WebClient, channel: str, ts: str, message: Message) -> None:
    client.chat_update(channel=channel, ts=ts, blocks=message.blocks, text=message.text)


def dm_channel(client: WebClient, user_id: str) -> str:
    """The person's DM with the bot (opened if needed)."""
    return str(client.conversations_open(users=user_id)["channel"]["id"])


def send_dm(client: WebClient, user_id: str, message: Message) -> tuple[str, str]:
    """Post in the person's DM; returns (channel, ts)."""
    channel = dm_channel(client, user_id)
    return channel, post_message(client, channel, message)
