"""Startup durability checks: safe settings pass, unsafe ones are refused with the fix named."""

from __future__ import annotations

import pytest
from conftest import create_postgres_database, drop_postgres_database
from sqlalchemy import create_engine, event, text

from blog.platform.db import make_engine
from blog.platform.durability import durability_problem


def _checked(engine) -> str | None:
    try:
        return durability_problem(engine)
    finally:
        engine.dispose()


def test_sqlite_as_the_app_opens_it_is_safe(tmp_path):
    assert _checked(make_engine(f"sqlite:///{tmp_path / 'ok.db'}")) is None


def test_sqlite_without_wal_or_busy_timeout_is_refused(tmp_path):
    # Python's sqlite3 waits 5 s by default; timeout=0 is the unsafe case.
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}", connect_args={"timeout": 0})
    problem = _checked(engine)
    assert "journal_mode=delete, not WAL" in problem
    assert "busy_timeout is 0 ms" in problem


def test_sqlite_with_synchronous_off_is_refused(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'fast.db'}")

    @event.listens_for(engine, "connect")
    def _unsafe(dbapi_conn, _record):
        for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=OFF"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    problem = _checked(engine)
    assert problem.startswith("SQLite synchronous=OFF")


@pytest.fixture
def postgres_database(postgres_server_url):
    url = create_postgres_database(postgres_server_url)
    yield url
    drop_postgres_database(postgres_server_url, url)


@pytest.mark.services
def test_postgres_defaults_are_safe(postgres_database):
    assert _checked(make_engine(postgres_database)) is None


@pytest.mark.services
def test_postgres_synchronous_commit_off_is_refused(postgres_database):
    name = postgres_database.rsplit("/", 1)[1]
    admin = create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    problem = _checked(make_engine(postgres_database))
    assert "synchronous_commit=off" in problem and "set synchronous_commit = on" in problem
