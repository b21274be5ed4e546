"""Startup checks that the database keeps what it acknowledged; unsafe settings are refused."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# Below this a second writer fails with "database is locked" instead of queueing.
MIN_SQLITE_BUSY_TIMEOUT_MS = 1_000
# PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. NORMAL under WAL loses
# nothing on a process crash, only the last commits on power loss.
MIN_SQLITE_SYNCHRONOUS = 1


def durability_problem(engine: Engine) -> str | None:
    """Say which database setting could lose acknowledged writes, or None when all are safe."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            problems = _sqlite_problems(conn)
        elif engine.dialect.name == "postgresql":
            problems = _postgres_problems(conn)
        else:
            problems = []
    return " ".join(problems) or None


def _postgres_problems(conn: Connection) -> list[str]:
    problems = []
    for name in ("fsync", "synchronous_commit"):
        value = conn.execute(text(f"SHOW {name}")).scalar_one()
        # synchronous_commit may also be local, remote_write or remote_apply;
        # only off acknowledges a commit before it is on disk.
        if value == "off":
            problems.append(
                f"PostgreSQL has {name}=off, so a crash can lose posts it already confirmed: "
                f"set {name} = on (postgresql.conf, or ALTER SYSTEM / ALTER DATABASE / "
                "ALTER ROLE, wherever it was turned off)."
            )
    return problems


def _sqlite_problems(conn: Connection) -> list[str]:
    problems = []
    mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    if str(mode).lower() != "wal":
        problems.append(
            f"SQLite runs in journal_mode={mode}, not WAL: readers would block the writer. "
            "Open it through blog.db.make_engine, which sets WAL."
        )
    timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
    if timeout < MIN_SQLITE_BUSY_TIMEOUT_MS:
        problems.append(
            f"SQLite busy_timeout is {timeout} ms: concurrent posts would fail with "
            f"'database is locked'. Use at least {MIN_SQLITE_BUSY_TIMEOUT_MS} ms."
        )
    synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar_one()
    if synchronous < MIN_SQLITE_SYNCHRONOUS:
        problems.append(
            "SQLite synchronous=OFF can lose confirmed posts on a crash: use NORMAL or FULL."
        )
    return problems
