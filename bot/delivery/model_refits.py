"""The scheduler's weighted-consensus job: refit each Dawid–Skene project whose answers grew
(`bot.flows.consensus_upkeep.refit_project`) and DM its leads about new quarantines, each with
a Release button."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.domain.access import lead_ids
from bot.domain.quarantine import Quarantined
from bot.domain.weighting import current_model, overused_label
from bot.flows.consensus_upkeep import refit_project, weighted_project_ids
from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.slack.messaging import dm_channel, post_message
from bot.views.choices import choice_label
from bot.views.quarantine import render_quarantine_dm
from storage.db import read_only
from storage.projects import project_by_id

log = logging.getLogger(__name__)


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
        project = project_by_id(session, project_id)
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
        channel = dm_channel(client, lead)
        for message in messages:
            post_message(client, channel, message)


def _shown(spec: ProjectSpec, habit: tuple[str, float] | None) -> tuple[str, float] | None:
    """The over-used label as people read it (its choice text)."""
    return None if habit is None else (choice_label(spec, habit[0]), habit[1])
