"""Which project a person means, in one place: the one named, the only one they may label
(or lead), or the list to pick from. Look-ups by id or slug are `storage.projects`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain.access import is_lead, may_annotate
from bot.flows.effects import Refusal
from bot.projects.sync import StoredSpecInvalid, listable_projects, project_spec
from bot.runtime.services import Services
from storage.models import Project
from storage.projects import all_projects, project_by_slug

NOT_ALLOWED = "You're not on the annotator list for {title}. Ask a project lead to add you."


def allowed_projects(session: Session, services: Services, user_id: str) -> list[Project]:
    """Projects this person may label, highest priority first (a project whose stored spec no
    longer validates is left out, so one broken row cannot break the Home tab for everyone)."""
    projects = listable_projects(all_projects(session))
    allowed = [p for p in projects if may_annotate(project_spec(p), user_id, services.directory)]
    return sorted(allowed, key=lambda p: -project_spec(p).priority)


@dataclass(frozen=True)
class Pick:
    """Several projects and none named: the person picks one."""

    projects: list[Project]


def named_project(session: Session, slug: str) -> Project | Refusal:
    """The project called `slug` (as typed), or why not."""
    project = project_by_slug(session, slug)
    if project is None:
        return Refusal(f"There is no project called {slug.strip()[:64]!r}.")
    return project


def choose_project(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Project | Pick | Refusal:
    """The named project if this person may label it, the only one they may, or the list to
    pick from; otherwise why not."""
    if slug:
        project = named_project(session, slug)
        if isinstance(project, Refusal):
            return project
        try:
            spec = project_spec(project)
        except StoredSpecInvalid as exc:
            return Refusal(str(exc))
        if not may_annotate(spec, user_id, services.directory):
            return Refusal(NOT_ALLOWED.format(title=project.title))
        return project
    allowed = allowed_projects(session, services, user_id)
    if not allowed:
        return Refusal("There are no projects you can label yet.")
    if len(allowed) == 1:
        return allowed[0]
    return Pick(allowed)


ONLY_LEADS = "Only a project lead can do that."


def lead_project(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Project | Refusal:
    """The named project if this person leads it, or the only project they lead; otherwise
    why not (unknown project, not a lead, or several to choose from)."""
    if slug:
        project = named_project(session, slug)
        if isinstance(project, Refusal):
            return project
        projects = listable_projects([project])
    else:
        projects = listable_projects(all_projects(session))
    led = [p for p in projects if is_lead(project_spec(p), user_id, services.directory)]
    if not led:
        return Refusal(ONLY_LEADS)
    if len(led) > 1:
        return Refusal("You lead several projects; name one: " + ", ".join(p.slug for p in led))
    return led[0]


def leads_any_project(session: Session, services: Services, user_id: str) -> bool:
    """Whether this person leads some project (help then lists the leads' commands)."""
    projects = listable_projects(all_projects(session))
    return any(is_lead(project_spec(p), user_id, services.directory) for p in projects)
