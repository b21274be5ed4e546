"""Fixtures: a real database per test (SQLite file or PostgreSQL), the app, clients, factories."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import shutil
import uuid
from datetime import date

import pytest
import sqlalchemy
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IllegalStateChangeError
from sqlalchemy.orm import close_all_sessions

from blog import actions, create_app
from blog.models import BlogStatus, Role
from blog.platform import db
from blog.platform.extensions import socketio
from blog.platform.migrate import upgrade

BACKEND = os.environ.get("SHOWFLOOR_TEST_BACKEND", "sqlite")
POSTGRES_ENV = "SHOWFLOOR_TEST_POSTGRES_URL"
REDIS_ENV = "SHOWFLOOR_TEST_REDIS_URL"
# Set by .ci/run: a missing service is then a failure, never a skip.
REQUIRE_SERVICES = os.environ.get("SHOWFLOOR_REQUIRE_SERVICES") == "1"
PASSWORD = "correct horse battery"
# Thousands of accounts are made by the suite; scrypt's deliberate cost (tens of
# milliseconds each) would be minutes of CI. tests/test_passwords.py checks scrypt.
FAST_PASSWORD_HASH = "pbkdf2:sha256:1000"


def need_service(env_name: str, what: str) -> str:
    """Return the URL in env_name, or skip (fail under CI) naming the variable."""
    url = os.environ.get(env_name)
    if url:
        return url
    message = f"{what} tests need {env_name} (e.g. set by .ci/run)"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server_url():
    """The PostgreSQL server's admin URL (its `postgres` database)."""
    return need_service(POSTGRES_ENV, "PostgreSQL")


def create_postgres_database(server_url: str) -> str:
    """Create a fresh, uniquely named database; return its URL."""
    name = f"showfloor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", server_url, count=1)


def drop_postgres_database(server_url: str, url: str) -> None:
    """Drop a database made by create_postgres_database."""
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, request):
    """A database migrated once per run: a SQLite file to copy, or a PostgreSQL URL."""
    if BACKEND == "postgres":
        server = request.getfixturevalue("postgres_server_url")
        url = create_postgres_database(server)
        upgrade(url)
        yield url
        drop_postgres_database(server, url)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in db.Base.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_template, tmp_path):
    """An empty, migrated database for one test."""
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        return migrated_template
    path = tmp_path / "showfloor.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def make_test_app(database_url: str, instance_path, **overrides):
    """An app on database_url in threading mode for the in-process test clients."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            # Tests release scheduled entries by calling release_due with a set clock.
            "SCHEDULER_INTERVAL": None,
            # Readers-count broadcasts come from a timer; tests that want them flush it.
            "READERS_COUNT": False,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
            **overrides,
        }
    )
    app.instance_path = str(instance_path)
    return app


@pytest.fixture
def app(database_url, tmp_path):
    """The app on a fresh database, in threading mode for the in-process test clients."""
    app = make_test_app(database_url, tmp_path)
    with app.app_context():
        yield app
    dispose_app(app)


def dispose_app(app) -> None:
    """Close every session, then the app's engine: no connection is left to the GC.

    Sessions first: requests run in fresh contexts, and disposing an engine
    leaves the connections sessions still hold open until the garbage
    collector finds them, which warns, and warnings are errors here.
    """
    # The release loop, if a request started it, ends at its next tick
    # instead of asking a database that is about to go.
    app.config["SCHEDULER_INTERVAL"] = None
    # A session another thread is using at this instant (a background task an
    # earlier test left running) cannot be closed from here. Seen once on
    # PostgreSQL in CI; that session and any after it are left to the GC.
    with contextlib.suppress(IllegalStateChangeError):
        close_all_sessions()
    db.session.remove()
    app.extensions["showfloor_engine"].dispose()


class IsolatedClient(FlaskClient):
    """Run each request in its own context (app context, g, db session), as in production.

    The app fixture keeps an app context pushed, which Flask would otherwise
    reuse for every request: g (and the CSRF token cached in it) and the
    database session would then leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        """Send the request from a fresh context; then let the test see what it committed."""
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # End the test's own read transaction: SQLite (WAL) and PostgreSQL
        # would otherwise keep showing it the snapshot from before the request.
        db.session.commit()
        return response


@pytest.fixture
def client(app):
    """A Flask test client whose requests are isolated from each other and the test."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def reader(app):
    """Factory of Socket.IO test clients (readers); all are disconnected at the end.

    Given a Flask test client, the socket carries its session cookie (a logged-in desk).
    """
    made = []

    def make(flask_client=None):
        sio = socketio.test_client(app, flask_test_client=flask_client)
        made.append(sio)
        return sio

    yield make
    for sio in made:
        if sio.is_connected():
            sio.disconnect()


@pytest.fixture
def make_event(app):
    """Factory of events."""
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, **kw):
        n = next(counter)
        return actions.create_event(
            slug or f"show-{n}",
            kw.pop("name", f"Show {n}"),
            kw.pop("starts_on", date(2027, 3, 1)),
            kw.pop("ends_on", date(2027, 3, 4)),
            kw.pop("timezone", "Europe/Madrid"),
            **kw,
        )

    return make


@pytest.fixture
def make_user(app):
    """Factory of users; reporters and contributors are assigned to the given events."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.REPORTER, events=(), email: str | None = None):
        n = next(counter)
        user = actions.create_user(email or f"user{n}@example.test", f"User {n}", PASSWORD, role)
        for event in events:
            actions.assign_user(user, event)
        return db.session.get(type(user), user.id)

    return make


@pytest.fixture
def editor(make_user):
    """An editor account."""
    return make_user(Role.EDITOR)


@pytest.fixture
def blog(make_blog):
    """A live blog of a new event."""
    return make_blog()


@pytest.fixture
def reporter(make_user, blog):
    """A reporter assigned to the event of `blog`."""
    return make_user(Role.REPORTER, events=[blog.event])


@pytest.fixture
def make_blog(app, make_event, editor):
    """Factory of live blogs (live unless status says otherwise)."""
    counter = iter(range(1, 10_000))

    def make(event=None, status: BlogStatus = BlogStatus.LIVE, slug: str | None = None):
        event = event or make_event()
        blog = actions.create_blog(event, slug or f"blog-{next(counter)}", "A live blog")
        if status != BlogStatus.SCHEDULED:
            actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
        if status == BlogStatus.ENDED:
            actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
        return db.session.get(type(blog), blog.id)

    return make


@pytest.fixture
def make_entry(app, editor):
    """Factory of published entries, posted through the real action."""

    def make(blog, author=None, source: str = "An update from the floor.", **fields):
        data = actions.EntryInput(source=source, **fields)
        entry, _ = actions.post_entry(author or editor, blog.id, data, uuid.uuid4().hex)
        return entry

    return make


def statements_run(app, call) -> int:
    """How many SQL statements call() runs (transaction control left out)."""
    seen = []
    engine = app.extensions["showfloor_engine"]

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.append(statement)

    sqlalchemy.event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and read the CSRF token its form carries."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = PASSWORD):
    """Log a user in through the real login form."""
    token = csrf_token(client)
    data = {"email": user.email, "password": password, "csrf_token": token}
    return client.post("/login", data=data)


def api_headers(user) -> dict:
    """Authorization headers with a fresh API token for user."""
    return {"Authorization": f"Bearer {actions.create_api_token(user, 'test')}"}


# The browser fixture lives with the other browser helpers; importing it here
# makes it available to every test module.
from browser_support import chromium  # noqa: E402, F401
from showcase_support import showcase  # noqa: E402, F401


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    """A redis-server of the test module's own, free to be stopped, restarted and flushed."""
    import procs

    need_service(REDIS_ENV, "Redis")
    server = procs.RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
