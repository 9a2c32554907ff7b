"""Looking projects up, in one place: by id, by slug (as people type it), or all of them.

Which project a person *means* (the one named, the only one they may label or lead) is a
question for `bot.flows.project_choice`, built on these.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Project


def project_by_id(session: Session, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def project_by_slug(session: Session, slug: str) -> Project | None:
    """The project whose slug is `slug`, ignoring case and surrounding spaces."""
    return session.scalars(select(Project).where(Project.slug == slug.strip().lower())).first()


def project_named(session: Session, slug: str) -> Project:
    """`project_by_slug`, or a LookupError that lists the known slugs (for the CLI)."""
    project = project_by_slug(session, slug)
    if project is None:
        known = ", ".join(session.scalars(select(Project.slug).order_by(Project.slug))) or "none"
        raise LookupError(f"no project {slug!r} (known projects: {known})")
    return project


def all_projects(session: Session) -> list[Project]:
    """Every project, by slug."""
    return list(session.scalars(select(Project).order_by(Project.slug)))
