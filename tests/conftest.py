"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL points at one), project specs, and the fake Slack Web API."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

from storage import migrate
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.models import Base
from tests.harness import BotHarness, running_bot

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_reachable(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _reset_postgres(url: str) -> None:
    """Drop everything so `migrate.upgrade` starts from an empty schema, like a new install."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL URL: skipped locally when none runs, an error under CI."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL
    if not url.startswith("postgresql"):
        url = DEFAULT_POSTGRES_URL
    if not _postgres_reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {url} (CI requires it)")
        pytest.skip("PostgreSQL is not running (set TEST_DATABASE_URL)")
    return url


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own beside TEST_DATABASE_URL's
    (`<name>_gw0`, …), created on first use, so parallel workers never truncate each other's
    rows. Without xdist, the URL itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; each test then starts from a copy (SQLite) or truncation."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        if not _postgres_reachable(url):
            pytest.fail(f"TEST_DATABASE_URL={url} is not reachable")
        url = _worker_database(url)
        _reset_postgres(url)
        migrate.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if _migrated_template.startswith("postgresql"):
        yield _migrated_template
        _truncate_all(_migrated_template)
        return
    path = tmp_path / "test.db"
    shutil.copyfile(_migrated_template, path)
    yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def bot(engine: Engine, session_factory: SessionFactory) -> Iterator[BotHarness]:
    """The bot served over HTTP on loopback, talking to a fake Slack Web API."""
    with running_bot(engine, session_factory) as harness:
        yield harness
