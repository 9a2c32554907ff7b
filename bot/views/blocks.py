"""Block Kit element builders that enforce Slack's limits where the content is built.

Any user-supplied text goes through `escape` before it lands in mrkdwn, so an item can never
ping `@channel`, mention a user or inject a link.
"""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_SECTION_FIELDS = 10
MAX_URL = 3000
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: `&`, `<`, `>` and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
MAX_FALLBACK = 3000


def fallback_text(text: str, limit: int = MAX_FALLBACK) -> str:
    """A message's top-level `text` (what notifications and screen readers show): escaped so
    no `<!channel>`, `<@U…>` or `<url|label>` in it is live, whether the caller passed raw or
    already escaped text (existing `&amp;`, `&lt;`, `&gt;` are kept, so escaping twice is
    harmless), and cut without splitting an entity."""
    escaped = _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def safe(text: str, limit: int = MAX_TEXT) -> str:
    """Escape then truncate, never cutting an entity such as `&amp;` in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    """A mrkdwn text object whose content the caller already escaped where needed."""
    return {"type": "mrkdwn", "text": truncate(text, limit), "verbatim": True}


def plain(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = truncate(block_id, MAX_ID)
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(texts: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [mrkdwn(t, MAX_FIELD_TEXT) for t in texts[:MAX_SECTION_FIELDS]],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def context(texts: list[str]) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def divider() -> Block:
    return {"type": "divider"}


def image(url: str, alt_text: str) -> Block | None:
    if not url.startswith(("https://", "http://")) or len(url) > MAX_URL:
        return None
    return {"type": "image", "image_url": url, "alt_text": truncate(alt_text, 2000) or "image"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    url: str | None = None,
) -> Block:
    if value is not None and len(value) > MAX_VALUE:
        raise ValueError(f"button value of {len(value)} characters exceeds {MAX_VALUE}")
    element: Block = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": truncate(action_id, MAX_ID),
    }
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(elements: list[Block], block_id: str | None = None) -> Block:
    if len(elements) > MAX_ACTION_ELEMENTS:
        raise ValueError(f"{len(elements)} elements exceed the actions block limit")
    block: Block = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = truncate(block_id, MAX_ID)
    return block


def link(url: str, label: str) -> str:
    """A mrkdwn link to an http(s) URL; anything else is shown as escaped text."""
    if url.startswith(("https://", "http://")) and "|" not in url and len(url) <= MAX_URL:
        return f"<{escape(url)}|{escape(label)}>"
    return escape(url)


def cap_blocks(blocks: list[Block], limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """Keep within the per-message (50) or per-view (100) block limit, keeping the last block
    (the controls) when something must go."""
    if len(blocks) <= limit:
        return blocks
    return blocks[: limit - 2] + [context(["(content shortened)"]), blocks[-1]]
