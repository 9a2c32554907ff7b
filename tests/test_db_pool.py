"""PostgreSQL connections are pinged only after sitting idle: a server that dropped an idle
connection costs nobody an error, and one that drops a busy pool fails one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import storage.db
from storage.db import make_engine


@pytest.fixture
def postgres(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    return database_url


def _drop_pooled_connection(url: str, pid: int) -> None:
    admin = make_engine(url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_without_an_error(
    postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(postgres, pool_size=1)
    with engine.connect() as conn:
        first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _drop_pooled_connection(postgres, first)
    with engine.connect() as conn:
        second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert second != first
    engine.dispose()


def test_a_busy_connection_is_not_pinged_and_a_drop_fails_one_transaction_only(
    postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = make_engine(postgres, pool_size=1)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    with engine.connect() as conn:
        first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    pinged_when_new = len(pings)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(pings) == pinged_when_new  # used a moment ago: no round trip spent on a ping
    _drop_pooled_connection(postgres, first)
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    engine.dispose()
