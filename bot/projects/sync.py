"""Mirror validated project files into the database (the files stay the source of truth)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.projects.loader import LoadedProject
from bot.projects.spec import ProjectSpec
from storage.models import GuidelineVersion, Project
from storage.projects import project_by_slug

log = logging.getLogger(__name__)

SYNC_COMMAND = "python -m bot projects sync"


@dataclass(frozen=True)
class SyncResult:
    slug: str
    created: bool
    new_guideline_version: str | None


def sync_project(session: Session, loaded: LoadedProject) -> SyncResult:
    """Create or update the project row and record a guideline version the first time it's seen."""
    spec = loaded.spec
    project = project_by_slug(session, spec.slug)
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


class StoredSpecInvalid(LookupError):
    """A project row's stored spec no longer validates (say, a stricter release of the bot).

    A LookupError, like a missing project: the row exists but cannot be used until its project
    file is synced again. The message names the project and the fix, never the stored values.
    """


_SpecKey = tuple[int, datetime]
_SPEC_CACHE: dict[_SpecKey, ProjectSpec | str] = {}
_SPEC_CACHE_SIZE = 256
_LOGGED_INVALID: set[_SpecKey] = set()
_LOG_LOCK = threading.Lock()


def project_spec(project: Project) -> ProjectSpec:
    """The validated spec stored with a project row (validated again on the way out).

    Validation (cron parsing included) costs about half a millisecond and runs several times per
    click, so results (failures included) are kept per project row version; specs are immutable
    (frozen models). Raises StoredSpecInvalid when the stored spec no longer validates.
    """
    key = (project.id, project.updated_at)
    cached = _SPEC_CACHE.get(key)
    if cached is None:
        try:
            cached = ProjectSpec.model_validate(project.spec)
        except ValidationError as exc:
            cached = _invalid(project, key, exc)
        if len(_SPEC_CACHE) >= _SPEC_CACHE_SIZE:
            _SPEC_CACHE.clear()
        _SPEC_CACHE[key] = cached
    if isinstance(cached, str):
        raise StoredSpecInvalid(cached)
    return cached


def _invalid(project: Project, key: _SpecKey, exc: ValidationError) -> str:
    """The message for a stored spec that no longer validates, logged once per row version.

    Only the error's first line ("N validation errors for ProjectSpec") is kept: the lines after
    it quote the stored values. `projects sync` names every problem in the project file.
    """
    summary = str(exc).splitlines()[0]
    with _LOG_LOCK:
        first_time = key not in _LOGGED_INVALID
        _LOGGED_INVALID.add(key)
    if first_time:
        log.warning(
            "project %s: stored spec no longer validates (%s); left out of project lists "
            "until `%s` stores it again",
            project.slug,
            summary,
            SYNC_COMMAND,
        )
    return (
        f"Project {project.slug!r} cannot be used: its stored settings no longer validate "
        f"({summary}). A project lead should run `{SYNC_COMMAND}` (fixing the project file "
        "first if it reports problems)."
    )


def has_valid_spec(project: Project) -> bool:
    try:
        project_spec(project)
    except StoredSpecInvalid:
        return False
    return True


def listable_projects(projects: Iterable[Project]) -> list[Project]:
    """The projects whose stored spec still validates, in the given order.

    Anything that lists projects (the App Home, pickers, "which project do you lead?", the
    scheduler) goes through this, so one broken row drops out of lists (logged once) instead of
    failing them for everyone; acting on that project directly still raises StoredSpecInvalid.
    """
    return [p for p in projects if has_valid_spec(p)]


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
