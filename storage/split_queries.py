"""Every exported item's external id and final label, the little a split plan needs before
the export streams the items themselves (see `bot.dataio.splits`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, bindparam, select, text, type_coerce
from sqlalchemy.orm import Session

from storage.export_queries import json_decoder
from storage.models import Item


def labels_in_id_order(
    session: Session, project_id: int, *, batch_size: int = 20_000, decided_only: bool = False
) -> Iterator[tuple[str, Any]]:
    """(external id, decoded final label or None) per item, in id order, read by keyset pages
    like the export itself (`+items.project_id` keeps SQLite on the primary key)."""
    query = (
        select(Item.id, Item.external_id, type_coerce(Item.final_label, String))
        .where(text("+items.project_id = :project_id"), Item.id > bindparam("after"))
        .order_by(Item.id)
        .limit(bindparam("limit"))
    )
    if decided_only:
        query = query.where(Item.final_method.is_not(None))
    decode = json_decoder(session)
    connection = session.connection()
    after = 0
    while True:
        page = connection.execute(
            query, {"project_id": project_id, "after": after, "limit": batch_size}
        ).all()
        if not page:
            return
        for _id, external_id, label in page:
            yield external_id, decode(label)
        after = page[-1][0]
