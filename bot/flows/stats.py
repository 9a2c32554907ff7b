"""What `/label stats`, `/label me` and `/label digest` answer: access checks and figures,
kept out of the Slack listeners."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.access import is_lead
from bot.flows.project_choice import all_projects, choose_project, find_project
from bot.projects.sync import listable_projects, project_spec
from bot.reports.digest import DigestKind
from bot.reports.stats import AnnotatorFigures, annotator_figures, compute_stats, zone_of
from bot.reports.timesheet import MonthSheet, my_month
from bot.runtime.services import Services
from bot.views.message import Message, render_notice
from bot.views.stats import render_my_stats, render_stats

NOT_A_LEAD = "Only a lead of {title} can post its digest."


def stats_message(session: Session, services: Services, user_id: str, slug: str | None) -> Message:
    """The project summary for anyone who may label it; annotator figures for its leads."""
    choice = choose_project(session, services, user_id, slug)
    if choice.error:
        return render_notice(choice.error)
    if choice.project is None:
        names = ", ".join(f"`{p.slug}`" for p in choice.choices)
        return render_notice(f"Name a project: `/label stats PROJECT` ({names}).")
    project = choice.project
    lead = is_lead(project_spec(project), user_id, services.directory)
    return render_stats(compute_stats(session, project, services.clock()), for_lead=lead)


def my_stats_message(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Message:
    """The person's own figures, in the named project or in every project they answered in,
    with this month's hours, pay and bonus standing (only ever shown to them, ephemerally)."""
    if slug:
        project = find_project(session, slug)
        if project is None:
            return render_notice(f"There is no project called {slug!r}.")
        projects = [project]
    else:
        projects = listable_projects(all_projects(session))
    now = services.clock()
    rows: list[tuple[str, AnnotatorFigures, MonthSheet]] = []
    for project in projects:
        tz = zone_of(project_spec(project))
        for figures in annotator_figures(session, project.id, now, tz, annotator=user_id):
            rows.append((project.title, figures, my_month(session, project, user_id, now)))
    return render_my_stats(rows)


@dataclass(frozen=True)
class DigestPlan:
    message: str
    slug: str | None = None
    kind: DigestKind = "daily"


def plan_digest(session: Session, services: Services, user_id: str, args: list[str]) -> DigestPlan:
    """Check `/label digest [project] [weekly]` on the server and audit it; the caller posts."""
    kind: DigestKind = "weekly" if "weekly" in (a.lower() for a in args) else "daily"
    names = [a for a in args if a.lower() not in ("weekly", "daily")]
    if names:
        project = find_project(session, names[0])
        if project is None:
            return DigestPlan(f"There is no project called {names[0]!r}.")
        if not is_lead(project_spec(project), user_id, services.directory):
            return DigestPlan(NOT_A_LEAD.format(title=project.title))
    else:
        led = [
            p
            for p in listable_projects(all_projects(session))
            if is_lead(project_spec(p), user_id, services.directory)
        ]
        if len(led) != 1:
            if not led:
                return DigestPlan("Only a project lead can post a digest.")
            return DigestPlan(
                "You lead several projects; name one: " + ", ".join(p.slug for p in led)
            )
        project = led[0]
    audit.record(
        session,
        actor=user_id,
        action="post_digest",
        project_id=project.id,
        detail={"kind": kind},
        now=services.clock(),
    )
    return DigestPlan(f"Posting the {kind} digest of {project.title} now.", project.slug, kind)
