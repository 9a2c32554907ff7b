"""Weighted consensus upkeep: refit a Dawid–Skene project whose answers grew and quarantine
annotators the fit puts below the bar (the scheduler's job, with the leads' DMs, is
`bot.delivery.model_refits`); and the leads' Release button.

A fit reads in a read-only snapshot and runs EM outside any transaction, so on SQLite no write
lock is held while it computes; the model and any quarantines are then stored in one short
transaction, and the leads' DMs are sent after it commits.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.domain.access import is_lead
from bot.domain.quarantine import Quarantined, apply_fit, release
from bot.domain.weighting import (
    due_for_refit,
    fit_params,
    load_fit_input,
    store_fit,
)
from bot.flows.effects import Outcome, Refusal, reply
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from bot.views.quarantine import render_released
from storage.db import read_only, unit_of_work
from storage.models import Quarantine
from storage.projects import all_projects, project_by_id

log = logging.getLogger(__name__)


def weighted_project_ids(services: Services) -> list[int]:
    with read_only(services.sessions) as session:
        return [
            p.id
            for p in listable_projects(all_projects(session))
            if project_spec(p).consensus.method == "dawid_skene"
        ]


def refit_project(
    services: Services, project_id: int, *, force: bool = False
) -> list[Quarantined] | None:
    """Refit one project if due (or `force`): the annotators newly quarantined, or None when
    there was no fit."""
    with read_only(services.sessions) as session:
        project = project_by_id(session, project_id)
        if project is None:
            return None
        spec = project_spec(project)
        if not force and not due_for_refit(session, project_id):
            return None
        data = load_fit_input(session, project_id, spec)
    if data is None:
        return None
    params = fit_params(data)
    with unit_of_work(services.sessions) as session:
        project = project_by_id(session, project_id)
        if project is None:
            return None
        fitted = store_fit(session, project_id, data, params, services.clock())
        found = apply_fit(session, project, spec, fitted, services.clock())
    log.info(
        "%s: model v%d fitted on %d answers to %d items; %d quarantined",
        project.slug,
        fitted.version,
        fitted.answers,
        fitted.items,
        len(found),
    )
    return found


def release_from_dm(
    session: Session, services: Services, user_id: str, quarantine_id: int
) -> Outcome:
    """The Release button: leads of the quarantine's project only (checked here); the DM
    turns into who released whom."""
    row = session.get(Quarantine, quarantine_id)
    project = project_by_id(session, row.project_id) if row is not None else None
    if row is None or project is None:
        return Refusal("That quarantine no longer exists.")
    if not is_lead(project_spec(project), user_id, services.directory):
        return Refusal(f"Only a lead of {project.title} can release an annotator.")
    if row.released_at is None:
        release(session, project, row.annotator, by=user_id, now=services.clock())
    released = render_released(project.title, row.annotator, row.released_by or user_id)
    return reply(released, replace=True)
