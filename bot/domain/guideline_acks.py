"""Who has read which guideline version: the gate before the first item, and the version an
answer is recorded under."""

from __future__ import annotations

from typing import cast

from sqlalchemy import String, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.click_reads import LATEST_ACK, forget, latest_ack_version, recall, remember
from storage.db import execute_core
from storage.models import GuidelineAck, Project, utcnow

_LATEST_ACK = select(
    latest_ack_version(bindparam("project_id"), bindparam("user_id", type_=String()))
)


def _latest_ack(session: Session, project: Project, user_id: str) -> str | None:
    """The last guideline version the person acknowledged, read once per transaction
    (recording an answer and choosing the next item both need it; a click reads it with its
    lease, `storage.click_reads`)."""
    key = (project.id, user_id)
    found, version = recall(session, LATEST_ACK, key)
    if not found:
        params = {"project_id": project.id, "user_id": user_id}
        version = execute_core(session, _LATEST_ACK, params).scalar()
        remember(session, LATEST_ACK, key, version)
    return cast(str | None, version)


def needs_guidelines(session: Session, project: Project, user_id: str) -> bool:
    """True until the person has acknowledged the guideline version in force (most recently:
    going back to an older version asks them to read it again)."""
    return _latest_ack(session, project, user_id) != project.guideline_version


def version_read_by(session: Session, project: Project, user_id: str) -> str:
    """The guideline version this person worked under: the last one they acknowledged.

    If the guidelines change while a card is open, the answer is recorded under the version
    its author actually read; people who never acknowledged (channel mode) get the current one.
    """
    return _latest_ack(session, project, user_id) or project.guideline_version


def acknowledge_guidelines(session: Session, project: Project, user_id: str, version: str) -> bool:
    """Record that a person read a guideline version; False if it is no longer in force."""
    if version != project.guideline_version:
        return False
    if needs_guidelines(session, project, user_id):
        forget(session, LATEST_ACK)
        already = session.scalar(
            select(GuidelineAck.id).where(
                GuidelineAck.project_id == project.id,
                GuidelineAck.user_id == user_id,
                GuidelineAck.version == version,
            )
        )
        if already is not None:  # read before and back in force: this is the latest reading
            ack = session.get(GuidelineAck, already)
            assert ack is not None
            ack.acked_at = utcnow()
        else:
            try:
                with session.begin_nested():
                    session.add(
                        GuidelineAck(project_id=project.id, user_id=user_id, version=version)
                    )
            except IntegrityError:
                pass  # a concurrent duplicate click already stored it
        forget(session, LATEST_ACK)
    return True
