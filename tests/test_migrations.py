"""Migrations: up/down/up on both backends, no drift from the models, SQLite pragmas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from storage import migrate
from storage.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from storage.models import Base
from storage.search import include_name, is_search_index_object

EXPECTED_TABLES = set(Base.metadata.tables)


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if not is_search_index_object(name, "table")}
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    """What `alembic revision --autogenerate` would write: empty when models and DB agree.
    The search index (migration 0003) is filtered as env.py filters it."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "target_metadata": Base.metadata}
        context = MigrationContext.configure(
            connection, opts={**opts, "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))


def assert_full_cycle(url: str) -> None:
    engine = make_engine(url)
    try:
        assert table_names(url) == set()
        assert migrate.current_revision(engine) is None

        migrate.upgrade(url)
        assert table_names(url) == EXPECTED_TABLES
        assert migrate.current_revision(engine) == migrate.head_revision(url)
        assert schema_differences(engine) == []

        migrate.downgrade(url, "base")
        assert table_names(url) == set()
        assert migrate.current_revision(engine) is None

        migrate.upgrade(url)
        assert table_names(url) == EXPECTED_TABLES
        assert schema_differences(engine) == []
        migrate.ensure_schema_current(engine)
    finally:
        engine.dispose()


def test_there_is_exactly_one_head_revision(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(f"sqlite:///{tmp_path}/x.db"))

    assert len(script.get_heads()) == 1


def test_sqlite_upgrade_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    assert_full_cycle(f"sqlite:///{tmp_path / 'cycle.db'}")


@pytest.fixture
def scratch_postgres_url(postgres_url: str) -> Iterator[str]:
    """A brand-new database on the test server, dropped afterwards; other tests never see it."""
    server = make_url(postgres_url)
    name = f"test_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_upgrade_downgrade_and_upgrade_again(scratch_postgres_url: str) -> None:
    assert_full_cycle(scratch_postgres_url)


def test_migrated_test_database_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine) == []


def test_drift_check_notices_a_column_the_migrations_lack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE projects ADD COLUMN stray_column INTEGER"))

        differences = schema_differences(engine)
    finally:
        engine.dispose()

    assert [(d[0], d[2], d[3].name) for d in differences] == [
        ("remove_column", "projects", "stray_column")
    ]


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == (
                SQLITE_BUSY_TIMEOUT_MS
            )
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys_on_migrated_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO guideline_versions (project_id, version, content, created_at) "
                    "VALUES (999, 'v1', 'text', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()


def test_ensure_schema_current_refuses_an_empty_database_and_says_how_to_fix_it(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(migrate.SchemaOutdated) as caught:
            migrate.ensure_schema_current(engine)
    finally:
        engine.dispose()

    message = str(caught.value)
    assert "python -m bot db upgrade" in message
    assert "has no schema yet" in message
    assert str(migrate.head_revision("sqlite://")) in message


def test_ensure_schema_current_accepts_a_database_at_head(engine: Engine) -> None:
    migrate.ensure_schema_current(engine)


@pytest.mark.postgres
def test_ensure_schema_current_never_prints_the_database_password(
    scratch_postgres_url: str,
) -> None:
    url = make_url(scratch_postgres_url).set(password="s3cret-db-password")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(migrate.SchemaOutdated) as caught:
            migrate.ensure_schema_current(engine)
    except Exception as exc:  # a server that checks passwords refuses the made-up one
        pytest.skip(f"server requires a real password: {exc}")
    finally:
        engine.dispose()

    assert "s3cret-db-password" not in str(caught.value)
    assert "python -m bot db upgrade" in str(caught.value)
