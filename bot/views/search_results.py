"""Search results (`/label search`, or an external id found in several projects): one line
per item with its status and final label, and a button that opens the item's card."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.ids import Action
from bot.views.blocks import Block, button, context, safe, section
from bot.views.message import Message

PREVIEW = 160


@dataclass(frozen=True)
class ResultRow:
    item_id: int
    external_id: str
    project_title: str
    status: str
    final_label: str | None
    preview: str


def result_block(row: ResultRow) -> Block:
    label = f"*{safe(row.final_label, 100)}*" if row.final_label is not None else "undecided"
    status = safe(row.status.replace("_", " "), 40)
    preview = safe(" ".join(row.preview.split()), PREVIEW) or "_(no text)_"
    text = (
        f"*{row.item_id}* · `{safe(row.external_id, 80)}` · {safe(row.project_title, 80)}\n"
        f"{status} · {label}\n{preview}"
    )
    return section(
        text,
        block_id=f"result{row.item_id}",
        accessory=button("Open", Action.OPEN_ITEM, str(row.item_id)),
    )


def render_results(heading: str, rows: list[ResultRow], *, limited: bool = False) -> Message:
    """`heading` is already escaped by the caller; at most 10 rows keep the message small."""
    blocks: list[Block] = [section(heading)]
    blocks.extend(result_block(row) for row in rows)
    if limited:
        blocks.append(context(["Showing the best 10. Add words to narrow the search."]))
    return Message(blocks=blocks, text=f"{len(rows)} item(s) found")


def search_heading(query: str, count: int) -> str:
    if count == 0:
        return f"No items match “{safe(query, 200)}” in the projects you can see."
    return f"*{count} best match{'es' if count != 1 else ''}* for “{safe(query, 200)}”"
