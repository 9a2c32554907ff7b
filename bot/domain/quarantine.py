"""Quarantine: an annotator whose estimated accuracy stays below the project's bar gets no more
items until a lead releases them. Opt-in (`quality.quarantine_below`).

Decided after each fit of the project's Dawid–Skene model: below the bar over at least
`quality.quarantine_min_answers` answers. A released annotator is not quarantined again until
they have given that many answers since the release, so a lead's decision is not undone by
the next fit on the same evidence. Their answers keep their (low) weight in the model.
Quarantine and release are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.weighting import FitSummary
from bot.projects.spec import ProjectSpec
from storage import consensus_models
from storage.models import Project, Quarantine

QUARANTINED = (
    "You're paused on {title} while a lead looks at your recent answers; they have been told "
    "and can resume you with one click."
)


@dataclass(frozen=True)
class Quarantined:
    """A new quarantine, for the leads' DM."""

    quarantine_id: int
    annotator: str
    accuracy: float
    answers: int


def apply_fit(
    session: Session, project: Project, spec: ProjectSpec, fit: FitSummary, now: datetime
) -> list[Quarantined]:
    """Quarantine everyone the new fit puts below the bar (see the module docstring)."""
    bar = spec.quality.quarantine_below
    if bar is None:
        return []
    minimum = spec.quality.quarantine_min_answers
    found = []
    for annotator, accuracy in sorted(fit.accuracy.items()):
        answers = fit.answer_counts.get(annotator, 0)
        if accuracy >= bar or answers < minimum:
            continue
        if consensus_models.active_quarantine(session, project.id, annotator) is not None:
            continue
        released = consensus_models.last_release(session, project.id, annotator)
        if released is not None:
            since = consensus_models.answers_since(session, project.id, annotator, released)
            if since < minimum:  # a lead released them: wait for fresh evidence
                continue
        row = Quarantine(
            project_id=project.id,
            annotator=annotator,
            accuracy=accuracy,
            answers=answers,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor="labeler",
            action="quarantine_annotator",
            project_id=project.id,
            detail={
                "annotator": annotator,
                "estimated_accuracy": round(accuracy, 4),
                "answers": answers,
                "below": bar,
                "model_version": fit.version,
            },
            now=now,
        )
        found.append(Quarantined(row.id, annotator, accuracy, answers))
    return found


def is_quarantined(session: Session, project: Project, spec: ProjectSpec, annotator: str) -> bool:
    """Whether the person is held back from this project's items (only while opted in)."""
    if spec.quality.quarantine_below is None:
        return False
    return consensus_models.active_quarantine(session, project.id, annotator) is not None


def release(session: Session, project: Project, annotator: str, *, by: str, now: datetime) -> bool:
    """Lift the person's quarantine (audited); False if they were not quarantined."""
    active = consensus_models.active_quarantine(session, project.id, annotator)
    if active is None or not consensus_models.release(session, active.id, by=by, now=now):
        return False
    audit.record(
        session,
        actor=by,
        action="release_annotator",
        project_id=project.id,
        detail={"annotator": annotator, "quarantine_id": active.id},
        now=now,
    )
    return True
