"""The scheduler's weighted-consensus job: refit each Dawid–Skene project whose answers grew,
quarantine annotators the fit puts below the bar, and tell the leads; and the release.

A fit reads in a read-only snapshot and runs EM outside any transaction, so on SQLite no write
lock is held while it computes; the model and any quarantines are then stored in one short
transaction, and the leads' DMs are sent after it commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.domain.access import is_lead, lead_ids
from bot.domain.quarantine import Quarantined, apply_fit, release
from bot.domain.weighting import (
    current_model,
    due_for_refit,
    fit_params,
    load_fit_input,
    overused_label,
    store_fit,
)
from bot.flows.project_choice import all_projects
from bot.projects.spec import ProjectSpec
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from bot.views.choices import choice_label
from bot.views.message import Message
from bot.views.quarantine import render_quarantine_dm, render_released
from storage.db import read_only, unit_of_work
from storage.models import Project, Quarantine

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
        project = session.get(Project, project_id)
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
        project = session.get(Project, project_id)
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


def refit_models(services: Services, client: WebClient) -> int:
    """Every due project: refit, then DM its leads about new quarantines. Returns the fits."""
    fitted = 0
    for project_id in weighted_project_ids(services):
        try:
            found = refit_project(services, project_id)
        except Exception:
            log.exception("refitting project %s failed; the next run retries", project_id)
            continue
        if found is None:
            continue
        fitted += 1
        if found:
            tell_leads(services, client, project_id, found)
    return fitted


def tell_leads(
    services: Services, client: WebClient, project_id: int, found: list[Quarantined]
) -> None:
    """One DM per lead and quarantined annotator, with the Release button."""
    with read_only(services.sessions) as session:
        project = session.get(Project, project_id)
        if project is None:
            return
        spec = project_spec(project)
        compiled = current_model(session, project_id, spec)
        bar = spec.quality.quarantine_below or 0.0
        messages = [
            render_quarantine_dm(
                title=project.title,
                quarantine_id=q.quarantine_id,
                annotator=q.annotator,
                accuracy=q.accuracy,
                answers=q.answers,
                bar=bar,
                overused=_shown(spec, overused_label(compiled, q.annotator)),
            )
            for q in found
        ]
        leads = lead_ids(spec, services.directory)
    for lead in leads:
        channel = client.conversations_open(users=lead)["channel"]["id"]
        for message in messages:
            client.chat_postMessage(
                channel=channel,
                blocks=message.blocks,
                text=message.text,
                unfurl_links=False,
                unfurl_media=False,
            )


def _shown(spec: ProjectSpec, habit: tuple[str, float] | None) -> tuple[str, float] | None:
    """The over-used label as people read it (its choice text)."""
    return None if habit is None else (choice_label(spec, habit[0]), habit[1])


@dataclass(frozen=True)
class Released:
    """A release's outcome: the message replacing the DM, or a refusal with nothing changed."""

    message: Message | None = None
    refusal: str | None = None


def release_from_dm(
    session: Session, services: Services, user_id: str, quarantine_id: int
) -> Released:
    """The Release button: leads of the quarantine's project only (checked here)."""
    row = session.get(Quarantine, quarantine_id)
    project = session.get(Project, row.project_id) if row is not None else None
    if row is None or project is None:
        return Released(refusal="That quarantine no longer exists.")
    if not is_lead(project_spec(project), user_id, services.directory):
        return Released(refusal=f"Only a lead of {project.title} can release an annotator.")
    if row.released_at is not None:
        return Released(render_released(project.title, row.annotator, row.released_by or "?"))
    release(session, project, row.annotator, by=user_id, now=services.clock())
    return Released(render_released(project.title, row.annotator, user_id))
