"""Migrations build the models' schema from nothing; the app refuses to serve an old schema."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import BACKEND, create_postgres_database, dispose_app, drop_postgres_database
from sqlalchemy import create_engine, inspect

from blog import create_app
from blog.platform import db
from blog.platform.migrate import UPGRADE_HINT, alembic_config, schema_problem, upgrade


@pytest.fixture
def empty_url(request, tmp_path):
    """The URL of a database without a single table."""
    if BACKEND == "postgres":
        server = request.getfixturevalue("postgres_server_url")
        url = create_postgres_database(server)
        yield url
        drop_postgres_database(server, url)
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def engine(empty_url):
    engine = create_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make_app(empty_url, tmp_path):
    """Build apps on the empty database (as the app fixture does, but without migrating)."""
    made = []

    def make():
        app = create_app(
            {
                "DATABASE_URL": empty_url,
                "ASYNC_MODE": "threading",
                "MESSAGE_QUEUE_URL": None,
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                # As in the app fixture: no background loops outliving the test.
                "SCHEDULER_INTERVAL": None,
                "READERS_COUNT": False,
            }
        )
        app.instance_path = str(tmp_path)
        made.append(app)
        return app

    yield make
    db.session.remove()
    for app in made:
        dispose_app(app)


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def previous_revision(url: str) -> str | None:
    script = ScriptDirectory.from_config(alembic_config(url))
    return script.get_revision(script.get_current_head()).down_revision


def test_upgrade_from_empty_builds_every_table(empty_url, engine):
    assert inspect(engine).get_table_names() == []
    upgrade(empty_url)
    tables = set(inspect(engine).get_table_names())
    missing = set(db.Base.metadata.tables) - tables
    assert not missing, f"tables the models have but the migrations never create: {missing}"
    assert "alembic_version" in tables


def test_migrated_schema_matches_the_models(empty_url, engine):
    upgrade(empty_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.Base.metadata)
    # Objects only the database has (full-text search tables and columns made
    # by hand-written SQL) are fine; anything the models have that the database
    # lacks or has differently means a migration is missing.
    flat = [d for group in diff for d in (group if isinstance(group, list) else [group])]
    drift = [d for d in flat if not d[0].startswith("remove_")]
    assert drift == []


def test_migrations_go_down_to_nothing_and_up_again(empty_url, engine):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_url)
    assert set(db.Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_schema_problem_names_the_upgrade_command(empty_url, engine):
    problem = schema_problem(engine)
    assert problem is not None and "empty" in problem and UPGRADE_HINT in problem
    upgrade(empty_url)
    assert schema_problem(engine) is None


PAGES = ["/", "/e/mfc-2027/", "/e/mfc-2027/keynote/", "/login", "/desk/"]


def assert_refuses(app, why: str) -> None:
    client = app.test_client()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 503, path
        page = response.get_data(as_text=True)
        assert f"`{UPGRADE_HINT}`" in page, path
        assert why in page, path
    response = client.get("/api/v1/blogs/1")
    assert response.status_code == 503


def test_app_refuses_to_serve_an_empty_database(make_app):
    assert_refuses(make_app(), "empty")


def test_app_refuses_to_serve_an_out_of_date_database(empty_url, make_app):
    previous = previous_revision(empty_url)
    if previous is None:
        pytest.skip("only one migration so far: no older schema to serve")
    upgrade(empty_url, previous)
    assert_refuses(make_app(), f"at revision {previous}, not {head_revision(empty_url)}")


def test_app_serves_once_the_database_is_upgraded(empty_url, make_app):
    app = make_app()
    assert app.test_client().get("/").status_code == 503
    upgrade(empty_url)
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Events" in response.get_data(as_text=True)


def test_the_cli_upgrade_is_what_the_message_asks_for(empty_url, make_app):
    app = make_app()
    assert UPGRADE_HINT == "flask --app app db upgrade"
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert schema_problem(app.extensions["showfloor_engine"]) is None
    assert app.test_client().get("/").status_code == 200
