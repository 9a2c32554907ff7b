"""What a labeling card's modals show: the free-text answer form and the item's full text.

Both read the item through the card's lease, so a stale or forged card shows nothing private.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.orm import Session

from bot.projects.sync import project_spec
from bot.views.blocks import Block
from bot.views.item_content import full_text, item_text, render_item_content
from bot.views.state import CardState
from storage import leases
from storage.models import Item, Project
from storage.projects import project_by_id


def _leased_item(session: Session, state: CardState) -> tuple[Project, Item] | None:
    project = project_by_id(session, state.project_id)
    lease = leases.lease_by_id(session, state.lease_id) if state.lease_id else None
    if project is None or lease is None or lease.project_id != project.id:
        return None
    item = session.get(Item, lease.item_id)
    return (project, item) if item is not None else None


class FreeTextForm(NamedTuple):
    """What the free-text answer modal shows: the item itself (a transcriber listens to the
    clip while typing), the question, the prefilled text and the answer's length limit."""

    question: str
    prefill: str
    max_length: int
    item: list[Block]


def free_text_context(session: Session, state: CardState) -> FreeTextForm:
    found = _leased_item(session, state)
    if found is None:
        return FreeTextForm("Your answer", "", 2000, [])
    project, item = found
    spec = project_spec(project)
    key = spec.task.prefill_field
    prefill = item_text(spec, item.data, key) if key else ""
    content = render_item_content(spec, item.data).blocks
    return FreeTextForm(spec.task.question, prefill, spec.task.max_text_length, content)


def full_text_context(session: Session, state: CardState) -> tuple[str, list[tuple[str, str]]]:
    found = _leased_item(session, state)
    if found is None:
        return ("Item", [("", "This item is no longer on your card.")])
    project, item = found
    return ("Full text", full_text(project_spec(project), item.data))
