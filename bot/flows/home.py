"""The App Home tab: a person's projects with progress and their own counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.flows.effects import Outcome, PublishHome
from bot.flows.labeling import today_count
from bot.flows.project_choice import allowed_projects
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.views.home import HomeProject, render_home
from storage import queue
from storage.progress import status_counts


def home_view(session: Session, services: Services, user_id: str) -> dict[str, Any]:
    """The App Home for one person: allowed projects with progress and their own counts."""
    entries = []
    for project in allowed_projects(session, services, user_id):
        counts = status_counts(session, project.id)
        spec = project_spec(project)
        available, held = queue.availability(
            session, project_id=project.id, annotator=user_id, now=services.clock()
        )
        entries.append(
            HomeProject(
                project_id=project.id,
                title=project.title,
                description=spec.description,
                complete=counts.complete,
                total=counts.total,
                paused=project.paused,
                today=today_count(session, services, project, user_id),
                mine=queue.answers_total(session, annotator=user_id, project_id=project.id),
                guidelines_url=spec.guidelines.url,
                available=available,
                held_by_others=held,
                lease_minutes=spec.lease_minutes,
            )
        )
    today = sum(e.today for e in entries)
    return render_home(entries, today=today, total=queue.answers_total(session, annotator=user_id))


def publish_home(session: Session, services: Services, user_id: str) -> Outcome:
    """The App Home, published when the person opens it."""
    return [PublishHome(user_id, home_view(session, services, user_id))]
