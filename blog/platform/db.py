"""Database engine, session and declarative base for both SQLite and PostgreSQL."""

from __future__ import annotations

import contextvars
import functools
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


_scope: contextvars.ContextVar[object] = contextvars.ContextVar("showfloor_db_scope")


def _current_scope() -> object:
    """A token unique to the current context: a thread, a greenlet, or a copied context."""
    try:
        return _scope.get()
    except LookupError:
        token = object()
        _scope.set(token)
        return token


# One session per context: per thread, per greenlet under gevent (each has its
# own contextvars), and per request in tests that run requests in a fresh
# context. Bound in init_engine; removed at the end of every request and task.
session = scoped_session(sessionmaker(expire_on_commit=False), scopefunc=_current_scope)

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "showfloor_write"


def make_engine(url: str) -> Engine:
    """Create an engine tuned for a live app on SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    """Use WAL, a busy timeout, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Writers of this process queue here first. SQLite's own wait for its write
    # lock sleeps inside the driver: under gevent that stops every greenlet,
    # the one holding the lock included whenever its transaction waits on
    # something cooperative (a render worker), so the wait could only end in
    # "database is locked" after busy_timeout. gevent patches threading, so
    # this lock's wait lets the holder finish; other processes still meet
    # busy_timeout.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred
        # transaction that upgrades to a writer fails at once with "database is
        # locked" under WAL, whereas an immediate one waits for busy_timeout.
        if not conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        # Past the timeout BEGIN IMMEDIATE runs anyway, and fails as SQLite does.
        if writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            conn.info[_HOLDS_WRITER] = writer
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _release_writer(conn.info)
            raise

    # Released as the transaction ends; nothing yields between these events and
    # the driver's COMMIT or ROLLBACK. A connection returned to the pool
    # without either (a lost connection) releases it too.
    event.listen(engine, "commit", lambda conn: _release_writer(conn.info))
    event.listen(engine, "rollback", lambda conn: _release_writer(conn.info))
    event.listen(engine.pool, "checkin", lambda _dbapi, record: _release_writer(record.info))


_HOLDS_WRITER = "showfloor_holds_writer_lock"


def _release_writer(info: dict) -> None:
    writer = info.pop(_HOLDS_WRITER, None)
    if writer is not None:
        writer.release()


def init_engine(url: str) -> Engine:
    """Create the engine for url and bind the scoped session to it."""
    engine = make_engine(url)
    session.remove()
    session.configure(bind=engine)
    return engine


def begin_write() -> None:
    """End any read-only transaction and start one that may write.

    On SQLite this is BEGIN IMMEDIATE; on PostgreSQL an ordinary transaction
    (the blog row lock taken by the action orders the writers).
    """
    if session().in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def own_session(func):
    """Run func with a database session of its own, removed when it returns.

    Socket handlers are wrapped in this: under gevent each message already runs
    in its own greenlet, but a handler called in its caller's context (the
    Socket.IO test client) must not use, or remove, the caller's session.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        # A scope of its own for the call, the caller's restored after it: the
        # caller's session, if it has one, is neither used nor removed.
        token = _scope.set(object())
        try:
            return func(*args, **kwargs)
        finally:
            session.remove()
            _scope.reset(token)

    return wrapper
