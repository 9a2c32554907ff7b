"""Test data builders shared by test modules: project specs and synced projects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.projects.loader import LoadedProject
from bot.projects.spec import ProjectSpec, resolve_guidelines
from bot.projects.sync import sync_project
from storage.models import Project
from storage.projects import project_named

CHOICES: dict[str, list[dict[str, Any]]] = {
    "single_choice": [
        {"value": "positive", "text": "Positive"},
        {"value": "neutral", "text": "Neutral"},
        {"value": "negative", "text": "Negative"},
    ],
    "multi_choice": [
        {"value": "billing", "text": "Billing"},
        {"value": "login", "text": "Login"},
        {"value": "shipping", "text": "Shipping"},
    ],
    "rating": [],
    "free_text": [],
}


def project_spec_dict(
    slug: str = "sentiment", kind: str = "single_choice", **overrides: Any
) -> dict[str, Any]:
    """A valid project definition as a lead would write it; `overrides` replace top-level keys."""
    task: dict[str, Any] = {"kind": kind, "choices": CHOICES[kind]}
    if kind == "rating":
        task = {"kind": kind, "scale": {"min": 1, "max": 5}}
    spec: dict[str, Any] = {
        "slug": slug,
        "title": f"Test project {slug}",
        "guidelines": {"text": "## positive\nHappy customer.\n", "version": "v1"},
        "task": task,
        "display": {"fields": [{"key": "text"}], "metadata": ["product"]},
        "overlap": 1,
        "slack": {"leads": ["U0LEAD0001"]},
    }
    spec.update(overrides)
    return spec


def make_spec(
    slug: str = "sentiment", kind: str = "single_choice", **overrides: Any
) -> ProjectSpec:
    return ProjectSpec.model_validate(project_spec_dict(slug, kind, **overrides))


def create_project(session: Session, spec: ProjectSpec) -> Project:
    """Sync `spec` into the database the way `projects sync` does and return the row."""
    guidelines = resolve_guidelines(spec, Path("."))
    sync_project(
        session, LoadedProject(path=Path(f"{spec.slug}.yml"), spec=spec, guidelines=guidelines)
    )
    return project_named(session, spec.slug)


def add_items(
    session: Session,
    project: Project,
    texts: list[str],
    *,
    required_answers: int | None = None,
    **fields: Any,
) -> list[int]:
    """Add one item per text (field `text`), in order; returns their ids."""
    from storage.models import Item

    spec = ProjectSpec.model_validate(project.spec)
    ids = []
    for index, text in enumerate(texts):
        item = Item(
            project_id=project.id,
            external_id=f"ext-{project.id}-{index}-{len(text)}",
            data={"text": text, **fields.get("data", {})},
            required_answers=required_answers or spec.overlap,
            **{k: v for k, v in fields.items() if k != "data"},
        )
        session.add(item)
        session.flush()
        ids.append(item.id)
    return ids
