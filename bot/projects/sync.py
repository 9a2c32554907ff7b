"""Mirror validated project files into the database (the files stay the source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.projects.loader import LoadedProject
from bot.projects.spec import ProjectSpec
from storage.models import GuidelineVersion, Project


@dataclass(frozen=True)
class SyncResult:
    slug: str
    created: bool
    new_guideline_version: str | None


def sync_project(session: Session, loaded: LoadedProject) -> SyncResult:
    """Create or update the project row and record a guideline version the first time it's seen."""
    spec = loaded.spec
    project = session.scalars(select(Project).where(Project.slug == spec.slug)).one_or_none()
    created = project is None
    if project is None:
        project = Project(slug=spec.slug, title=spec.title, spec={}, guideline_version="")
        session.add(project)
    version = loaded.guidelines.version
    project.title = spec.title
    project.spec = spec.model_dump(mode="json")
    project.guideline_version = version
    session.flush()
    known = session.scalar(
        select(GuidelineVersion.id).where(
            GuidelineVersion.project_id == project.id, GuidelineVersion.version == version
        )
    )
    if known is None:
        session.add(
            GuidelineVersion(project_id=project.id, version=version, content=loaded.guidelines.text)
        )
        session.flush()
    return SyncResult(spec.slug, created, None if known is not None else version)


_SPEC_CACHE: dict[tuple[int, datetime], ProjectSpec] = {}
_SPEC_CACHE_SIZE = 256


def project_spec(project: Project) -> ProjectSpec:
    """The validated spec stored with a project row (validated again on the way out).

    Validation (cron parsing included) costs about half a millisecond and runs several times per
    click, so results are kept per project row version; specs are immutable (frozen models).
    """
    key = (project.id, project.updated_at)
    cached = _SPEC_CACHE.get(key)
    if cached is None:
        cached = ProjectSpec.model_validate(project.spec)
        if len(_SPEC_CACHE) >= _SPEC_CACHE_SIZE:
            _SPEC_CACHE.clear()
        _SPEC_CACHE[key] = cached
    return cached


def current_guidelines(session: Session, project: Project) -> GuidelineVersion:
    """The guideline version in force (the one the project file currently holds)."""
    version = session.scalars(
        select(GuidelineVersion).where(
            GuidelineVersion.project_id == project.id,
            GuidelineVersion.version == project.guideline_version,
        )
    ).one_or_none()
    if version is None:
        raise LookupError(f"project {project.slug!r} has no guidelines recorded")
    return version


def get_project(session: Session, slug: str) -> Project:
    project = session.scalars(select(Project).where(Project.slug == slug)).one_or_none()
    if project is None:
        known = ", ".join(session.scalars(select(Project.slug).order_by(Project.slug))) or "none"
        raise LookupError(f"no project {slug!r} (known projects: {known})")
    return project
