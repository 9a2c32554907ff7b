"""Helpers for the import/export tests: run the real functions in one transaction, read rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.dataio.annotation_import import import_annotations
from bot.dataio.item_import import ImportSummary, import_items
from bot.projects.spec import ProjectSpec
from storage.db import SessionFactory, unit_of_work
from storage.models import Annotation, Item
from storage.projects import project_named
from tests.factories import create_project


def setup_project(session_factory: SessionFactory, spec: ProjectSpec) -> None:
    with unit_of_work(session_factory) as session:
        create_project(session, spec)


def run_items(
    session_factory: SessionFactory, slug: str, path: Path, **options: Any
) -> ImportSummary:
    with unit_of_work(session_factory) as session:
        return import_items(session, project_named(session, slug), path, **options)


def run_annotations(
    session_factory: SessionFactory, slug: str, path: Path, **options: Any
) -> ImportSummary:
    with unit_of_work(session_factory) as session:
        return import_annotations(session, project_named(session, slug), path, **options)


def items_by_external_id(session_factory: SessionFactory) -> dict[str, Item]:
    with unit_of_work(session_factory) as session:
        return {i.external_id: i for i in session.scalars(select(Item).order_by(Item.id))}


def count_rows(session_factory: SessionFactory) -> tuple[int, int]:
    with unit_of_work(session_factory) as session:
        items = session.scalar(select(func.count()).select_from(Item)) or 0
        annotations = session.scalar(select(func.count()).select_from(Annotation)) or 0
        return items, annotations


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
