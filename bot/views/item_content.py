"""How an item's content looks in any card: labeling, review, lookup, channel post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.dataio.items import GENERATED_ID_PREFIX
from bot.projects.spec import ProjectSpec
from bot.views.blocks import (
    MAX_FIELD_TEXT,
    Block,
    context,
    fields_section,
    image,
    link,
    safe,
    section,
)
from bot.views.redaction import redact


def external_ref(external_id: str | None) -> str | None:
    """How a message names an item for people: its id from the imported data, or nothing
    when there is none (a made-up content hash, or the database's own id, means nothing to a
    reader and leaks how the bot stores items)."""
    if not external_id or external_id.startswith(GENERATED_ID_PREFIX):
        return None
    return external_id


def ref_suffix(external_id: str | None) -> str:
    """` · `id`` after a title, or nothing (mrkdwn, escaped)."""
    ref = external_ref(external_id)
    return f" · `{safe(ref, 200)}`" if ref else ""


def ref_words(external_id: str | None) -> str:
    """`item r17`, or `an item`, for a sentence or a notification."""
    ref = external_ref(external_id)
    return f"item {ref}" if ref else "an item"


@dataclass(frozen=True)
class ItemContent:
    blocks: list[Block]
    truncated: bool
    fallback: str


def item_text(spec: ProjectSpec, data: dict[str, Any], key: str) -> str:
    """A field's text as shown in Slack: stringified and, if the project asks, PII-redacted."""
    value = data.get(key)
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if spec.privacy.redact_pii:
        text = redact(text, spec.privacy.redact)
    return text


def full_text(spec: ProjectSpec, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every display field, untruncated (for the "Show full text" modal)."""
    return [(f.label or f.key, item_text(spec, data, f.key)) for f in spec.display.fields]


def render_item_content(
    spec: ProjectSpec, data: dict[str, Any], *, limit: int | None = None
) -> ItemContent:
    limit = limit or spec.display.truncate_at
    texts = [(f.label or f.key, item_text(spec, data, f.key)) for f in spec.display.fields]
    truncated = any(len(text) > limit for _, text in texts)
    blocks: list[Block] = []
    if spec.display.layout == "side_by_side" and len(texts) > 1:
        first, *rest = texts
        if len(texts) > 2:
            blocks.append(section(_labelled(first, limit, several=True)))
        else:
            rest = texts
        per_field = min(limit, MAX_FIELD_TEXT - 80)
        blocks.append(fields_section([_labelled(t, per_field, several=True) for t in rest]))
    else:
        for labelled in texts:
            blocks.append(section(_labelled(labelled, limit, several=len(texts) > 1)))
    blocks.extend(_media_blocks(spec, data))
    meta = [
        f"*{safe(key, 60)}:* {safe(str(data[key]), 200)}"
        for key in spec.display.metadata
        if data.get(key) not in (None, "")
    ]
    if meta:
        blocks.append(context(meta))
    fallback = texts[0][1][:150] if texts else ""
    return ItemContent(blocks=blocks, truncated=truncated, fallback=fallback)


def _labelled(labelled: tuple[str, str], limit: int, *, several: bool) -> str:
    label, text = labelled
    body = safe(text, limit) if text else "_(empty)_"
    return f"*{safe(label, 60)}*\n{body}" if several else body


def _media_blocks(spec: ProjectSpec, data: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    display = spec.display
    if display.image_field and isinstance(data.get(display.image_field), str):
        block = image(data[display.image_field], alt_text="item image")
        if block:
            blocks.append(block)
    links = []
    for field, label in ((display.audio_field, "▶ Listen"), (display.video_field, "▶ Watch")):
        if field and isinstance(data.get(field), str):
            links.append(link(data[field], label))
    if links:
        blocks.append(section("  ·  ".join(links)))
    return blocks
