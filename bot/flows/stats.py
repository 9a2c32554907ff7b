"""What `/label stats`, `/label me` and `/label digest` answer: access checks and figures,
kept out of the Slack listeners."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.access import is_lead
from bot.flows.effects import Outcome, PostDigest, Refusal, notice, reply
from bot.flows.project_choice import (
    ONLY_LEADS,
    Pick,
    choose_project,
    lead_project,
    named_project,
)
from bot.projects.sync import listable_projects, project_spec
from bot.reports.digest import DigestKind, manual_period
from bot.reports.stats import AnnotatorFigures, annotator_figures, compute_stats, zone_of
from bot.reports.timesheet import MonthSheet, my_month
from bot.runtime.services import Services
from bot.views.stats import render_my_stats, render_stats
from storage.projects import all_projects

NOT_A_LEAD = "Only a lead of the project can post its digest."


def stats_message(session: Session, services: Services, user_id: str, slug: str | None) -> Outcome:
    """The project summary for anyone who may label it; annotator figures for its leads."""
    project = choose_project(session, services, user_id, slug)
    if isinstance(project, Refusal):
        return project
    if isinstance(project, Pick):
        names = ", ".join(f"`{p.slug}`" for p in project.projects)
        return Refusal(f"Name a project: `/label stats PROJECT` ({names}).")
    lead = is_lead(project_spec(project), user_id, services.directory)
    return reply(render_stats(compute_stats(session, project, services.clock()), for_lead=lead))


def my_stats_message(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Outcome:
    """The person's own figures, in the named project or in every project they answered in,
    with this month's hours, pay and bonus standing (only ever shown to them, ephemerally)."""
    if slug:
        named = named_project(session, slug)
        if isinstance(named, Refusal):
            return named
        projects = [named]
    else:
        projects = listable_projects(all_projects(session))
    now = services.clock()
    rows: list[tuple[str, AnnotatorFigures, MonthSheet]] = []
    for project in projects:
        tz = zone_of(project_spec(project))
        for figures in annotator_figures(session, project.id, now, tz, annotator=user_id):
            rows.append((project.title, figures, my_month(session, project, user_id, now)))
    return reply(render_my_stats(rows))


def plan_digest(session: Session, services: Services, user_id: str, args: list[str]) -> Outcome:
    """Check `/label digest [project] [weekly]` on the server and audit it; the digest is
    posted in the background under a period of its own (a manual run)."""
    kind: DigestKind = "weekly" if "weekly" in (a.lower() for a in args) else "daily"
    names = [a for a in args if a.lower() not in ("weekly", "daily")]
    project = lead_project(session, services, user_id, names[0] if names else None)
    if isinstance(project, Refusal):
        return Refusal(NOT_A_LEAD) if project.text == ONLY_LEADS else project
    now = services.clock()
    audit.record(
        session,
        actor=user_id,
        action="post_digest",
        project_id=project.id,
        detail={"kind": kind},
        now=now,
    )
    return [
        *notice(f"Posting the {kind} digest of {project.title} now."),
        PostDigest(project.slug, kind, manual_period(now)),
    ]
