"""Writing the rows an answer changes without the ORM's unit of work.

A click changes one lease's status and one item's counts and decision. A flush of those two
objects cost about a fifth of the click's CPU (change tracking, dependency sorting, per-object
bookkeeping) for two one-row UPDATEs. Here each is one prebuilt UPDATE by primary key, and the
loaded objects are told the new values are committed, so they stay usable and the session has
nothing left to flush.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.db import execute_core
from storage.models import Item, Lease, LeaseStatus

_LEASES = cast(Table, Lease.__table__)
_ITEMS = cast(Table, Item.__table__)

_SET_LEASE_STATUS = (
    update(_LEASES)
    .where(_LEASES.c.id == bindparam("lease_id"))
    .values(status=bindparam("new_status", type_=_LEASES.c.status.type))
)

#: The item columns the decision rule writes (`bot.domain.completion`, `item_state`).
STATE_COLUMNS = (
    "answer_count",
    "required_answers",
    "status",
    "final_label",
    "final_method",
    "label_confidence",
    "completed_at",
)


def set_lease_status(session: Session, lease: Lease, status: LeaseStatus) -> None:
    """Store a lease's new status now, and on the loaded object."""
    _mark_written(lease, {"status": status})
    execute_core(session, _SET_LEASE_STATUS, {"lease_id": lease.id, "new_status": status})


def write_item_state(session: Session, item: Item) -> None:
    """Store the decision columns that changed on a loaded item, in one UPDATE.

    Only changed columns are written, as a flush would: a column another transaction changed
    meanwhile is not overwritten with the value this one loaded.
    """
    assigned, changed = _assigned(item)
    written = dict(assigned)  # a value set again to what it was is settled too, unwritten
    if "answer_count" in changed or "required_answers" in changed:
        # A computed column: what the database derives, without reading it back.
        written["remaining_answers"] = item.required_answers - item.answer_count
    _mark_written(item, written)
    if not changed:
        session.flush()  # what else is pending (a review just opened), as before
        return
    params = {"item_id": item.id, **{f"new_{key}": value for key, value in changed.items()}}
    execute_core(session, _update_for(tuple(changed)), params)


def _mark_written(obj: Any, values: dict[str, Any]) -> None:
    """Tell the loaded object these values are stored, before they are: the statement that
    stores them first flushes what else is pending, which must not include them. An object
    with nothing else pending becomes clean, as after a flush, so no later flush visits it."""
    for key, value in values.items():
        set_committed_value(obj, key, value)
    state = inspect(obj)
    if not state.committed_state:
        identity_map = state.session.identity_map if state.session is not None else None
        state._commit_all(state.dict, identity_map)  # noqa: SLF001 - what a flush ends with


def _assigned(item: Item) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decision columns assigned since the item was loaded, and those of them whose value
    differs from the stored one."""
    state = inspect(item)
    assigned = {key: getattr(item, key) for key in STATE_COLUMNS if key in state.committed_state}
    changed = {key: v for key, v in assigned.items() if state.attrs[key].history.has_changes()}
    return assigned, changed


@cache
def _update_for(keys: tuple[str, ...]) -> Update:
    """One statement per set of changed columns (a handful in practice), built once."""
    values = {key: bindparam(f"new_{key}", type_=_ITEMS.c[key].type) for key in keys}
    return update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id")).values(**values)
