"""The flask command line: schema upgrade, events, blogs, roster, accounts, tokens and the demo."""

from __future__ import annotations

import re

import pytest
from conftest import (
    BACKEND,
    IsolatedClient,
    create_postgres_database,
    dispose_app,
    drop_postgres_database,
)
from sqlalchemy import func, inspect, select

from blog import create_app
from blog.archive.demo import EDITOR, EVENT_SLUG, REPORTER
from blog.models import (
    BlogStatus,
    Entry,
    EntryStatus,
    Event,
    LiveBlog,
    Role,
    Speaker,
    User,
)
from blog.platform import db


@pytest.fixture
def cli(app):
    app.test_client_class = IsolatedClient
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def refused(result, message: str) -> None:
    """A clean refusal: non-zero exit, the reason in the output, no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert message in result.output, result.output


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def new_event(cli, slug: str = "mwc-2027", *extra: str):
    return cli(
        "event",
        "create",
        slug,
        "--name",
        "MWC 2027",
        "--starts",
        "2027-03-01",
        "--ends",
        "2027-03-04",
        *extra,
    )


def new_user(cli, email: str, role: str = "reporter", password: str = "a long passphrase"):
    return cli("user", "create", email, "--name", "Ana", "--role", role, "--password", password)


# --- schema ---------------------------------------------------------------------------------


@pytest.fixture
def empty_app(request, tmp_path):
    """An app on a database with no tables at all."""
    server = None
    if BACKEND == "postgres":
        server = request.getfixturevalue("postgres_server_url")
        url = create_postgres_database(server)
    else:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
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
    yield app
    db.session.remove()
    dispose_app(app)
    if server:
        drop_postgres_database(server, url)


def test_db_upgrade_creates_the_schema(empty_app):
    engine = empty_app.extensions["showfloor_engine"]
    assert inspect(engine).get_table_names() == []
    result = empty_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    tables = set(inspect(engine).get_table_names())
    assert set(db.Base.metadata.tables) <= tables
    assert empty_app.test_client().get("/").status_code == 200


def test_db_upgrade_twice_is_harmless(cli):
    assert "up to date" in ok(cli("db", "upgrade"))
    assert "up to date" in ok(cli("db", "upgrade"))


# --- events, blogs, roster ------------------------------------------------------------------


def test_event_create(cli):
    output = ok(
        new_event(
            cli, "mwc-2027", "--timezone", "Europe/Madrid", "--venue", "Fira", "--city", "Barcelona"
        )
    )
    assert "Created event mwc-2027" in output
    event = db.session.scalar(select(Event))
    assert (event.slug, event.name, event.timezone) == ("mwc-2027", "MWC 2027", "Europe/Madrid")
    assert (event.starts_on.isoformat(), event.ends_on.isoformat()) == ("2027-03-01", "2027-03-04")
    assert (event.venue, event.city) == ("Fira", "Barcelona")


def test_event_create_defaults_to_utc(cli):
    ok(new_event(cli))
    assert db.session.scalar(select(Event.timezone)) == "UTC"


def test_event_create_with_unknown_timezone(cli):
    refused(new_event(cli, "mwc-2027", "--timezone", "Mars/Olympus"), "Unknown timezone")
    assert count(Event) == 0


def test_event_create_ending_before_it_starts(cli):
    result = cli(
        "event",
        "create",
        "mwc-2027",
        "--name",
        "X",
        "--starts",
        "2027-03-04",
        "--ends",
        "2027-03-01",
    )
    refused(result, "cannot end before it starts")
    assert count(Event) == 0


@pytest.mark.parametrize("starts", ["2027-13-01", "1 March 2027", "tomorrow", ""])
def test_event_create_with_a_malformed_date(cli, starts):
    result = cli(
        "event", "create", "mwc-2027", "--name", "X", "--starts", starts, "--ends", "2027-03-04"
    )
    refused(result, "--starts")
    assert count(Event) == 0


def test_event_create_with_a_duplicate_slug(cli):
    ok(new_event(cli))
    refused(new_event(cli), "already exists")
    assert count(Event) == 1


@pytest.mark.parametrize("slug", ["MWC 2027", "mwc_2027", "mwc-", "mwc--2027", "x" * 81])
def test_event_create_with_a_bad_slug(cli, slug):
    refused(new_event(cli, slug), "slug")
    assert count(Event) == 0


def test_event_create_needs_a_name(cli):
    result = cli("event", "create", "mwc-2027", "--starts", "2027-03-01", "--ends", "2027-03-04")
    refused(result, "--name")


def test_add_blog(cli):
    ok(new_event(cli))
    output = ok(cli("event", "add-blog", "mwc-2027", "keynote", "--title", "Opening keynote"))
    assert re.search(r"Created blog mwc-2027/keynote \(id \d+\), scheduled", output)
    blog = db.session.scalar(select(LiveBlog))
    assert (blog.slug, blog.title, blog.status) == (
        "keynote",
        "Opening keynote",
        BlogStatus.SCHEDULED,
    )


def test_add_blog_refusals(cli):
    refused(cli("event", "add-blog", "no-such", "keynote", "--title", "T"), "No event")
    ok(new_event(cli))
    ok(cli("event", "add-blog", "mwc-2027", "keynote", "--title", "T"))
    refused(cli("event", "add-blog", "mwc-2027", "keynote", "--title", "T"), "already has a blog")
    refused(cli("event", "add-blog", "mwc-2027", "Bad Slug", "--title", "T"), "slug")
    refused(cli("event", "add-blog", "mwc-2027", "other", "--title", "  "), "needs a title")
    assert count(LiveBlog) == 1


def test_add_speaker(cli):
    ok(new_event(cli))
    args = ["--name", "Inés Valbuena", "--title", "Chief Executive", "--organization", "Aurora"]
    output = ok(cli("event", "add-speaker", "mwc-2027", *args))
    assert "Added speaker Inés Valbuena, Chief Executive, Aurora" in output
    speaker = db.session.scalar(select(Speaker))
    assert speaker.organization.name == "Aurora"
    ok(cli("event", "add-speaker", "mwc-2027", "--name", "Priya", "--organization", "Aurora"))
    assert {s.organization_id for s in db.session.scalars(select(Speaker))} == {
        speaker.organization_id
    }


def test_add_speaker_refusals(cli):
    refused(cli("event", "add-speaker", "no-such", "--name", "X"), "No event")
    ok(new_event(cli))
    refused(cli("event", "add-speaker", "mwc-2027", "--name", "  "), "name is required")
    assert count(Speaker) == 0


# --- accounts -------------------------------------------------------------------------------


def test_user_create(cli):
    assert "Created editor" in ok(new_user(cli, "Ana@Example.test", "editor"))
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.active) == ("ana@example.test", Role.EDITOR, True)
    assert "a long passphrase" not in user.password_hash


def test_user_create_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["user", "create", "ana@example.test"], input="a long passphrase\na long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role)) == Role.REPORTER


def test_user_create_refusals(cli):
    ok(new_user(cli, "ana@example.test"))
    refused(new_user(cli, "ana@example.test"), "already exists")
    refused(new_user(cli, "bo@example.test", password="short"), "password")
    refused(new_user(cli, "not-an-email"), "valid email")
    refused(new_user(cli, "cy@example.test", role="overlord"), "--role")
    assert count(User) == 1


def test_user_assign(cli):
    ok(new_event(cli))
    ok(new_user(cli, "ana@example.test"))
    assert "may now post to mwc-2027" in ok(cli("user", "assign", "ana@example.test", "mwc-2027"))
    ok(cli("user", "assign", "ana@example.test", "mwc-2027"))  # twice is fine
    user = db.session.scalar(select(User))
    assert [e.slug for e in user.events] == ["mwc-2027"]
    refused(cli("user", "assign", "nobody@example.test", "mwc-2027"), "No account")
    refused(cli("user", "assign", "ana@example.test", "no-such"), "No event")


def test_token_works_against_the_api(app, cli):
    ok(new_event(cli))
    ok(cli("event", "add-blog", "mwc-2027", "keynote", "--title", "Keynote"))
    ok(new_user(cli, "ed@example.test", "editor"))
    ok(cli("event", "set-status", "mwc-2027", "keynote", "live", "--as", "ed@example.test"))
    ok(new_user(cli, "ana@example.test"))
    ok(cli("user", "assign", "ana@example.test", "mwc-2027"))
    result = cli("user", "token", "ana@example.test", "--name", "laptop")
    ok(result)
    # The token alone on stdout (for scripts); its id and expiry on stderr.
    token = result.stdout.strip()
    assert token.startswith("sf_") and "expires" in result.stderr
    blog_id = db.session.scalar(select(LiveBlog.id))
    response = app.test_client().post(
        f"/api/v1/blogs/{blog_id}/entries",
        json={"source": "Posted with a CLI token", "idempotency_key": "cli-token-0001"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["author"] == "Ana"
    refused(cli("user", "token", "nobody@example.test"), "No account")


def test_each_token_is_new(cli):
    ok(new_user(cli, "ana@example.test"))
    first = ok(cli("user", "token", "ana@example.test")).strip()
    second = ok(cli("user", "token", "ana@example.test")).strip()
    assert first != second


# --- blog status ----------------------------------------------------------------------------


@pytest.fixture
def scheduled(cli):
    ok(new_event(cli))
    ok(cli("event", "add-blog", "mwc-2027", "keynote", "--title", "Keynote"))
    ok(new_user(cli, "ed@example.test", "editor"))
    ok(new_user(cli, "ana@example.test"))
    ok(cli("user", "assign", "ana@example.test", "mwc-2027"))


def blog_status() -> BlogStatus:
    return db.session.scalar(select(LiveBlog.status))


def test_set_status(cli, scheduled):
    output = ok(
        cli("event", "set-status", "mwc-2027", "keynote", "live", "--as", "ed@example.test")
    )
    assert "mwc-2027/keynote is now live" in output
    assert blog_status() == BlogStatus.LIVE
    ok(cli("event", "set-status", "mwc-2027", "keynote", "ended", "--as", "ed@example.test"))
    assert blog_status() == BlogStatus.ENDED
    result = cli(
        "event", "set-status", "mwc-2027", "keynote", "scheduled", "--as", "ed@example.test"
    )
    refused(result, "An ended blog cannot become scheduled.")
    assert blog_status() == BlogStatus.ENDED
    # Closed by mistake: an editor reopens it.
    ok(cli("event", "set-status", "mwc-2027", "keynote", "live", "--as", "ed@example.test"))
    assert blog_status() == BlogStatus.LIVE


def test_set_status_refusals(cli, scheduled):
    refused(
        cli("event", "set-status", "mwc-2027", "keynote", "live", "--as", "ana@example.test"),
        "Only editors",
    )
    refused(
        cli("event", "set-status", "mwc-2027", "nope", "live", "--as", "ed@example.test"), "No blog"
    )
    refused(
        cli("event", "set-status", "mwc-2027", "keynote", "live", "--as", "x@example.test"),
        "No account",
    )
    refused(
        cli("event", "set-status", "mwc-2027", "keynote", "paused", "--as", "ed@example.test"),
        "paused",
    )
    refused(cli("event", "set-status", "mwc-2027", "keynote", "live"), "--as")
    assert blog_status() == BlogStatus.SCHEDULED


# --- the demo -------------------------------------------------------------------------------


def demo_counts() -> dict:
    return {
        "events": count(Event),
        "blogs": count(LiveBlog),
        "entries": count(Entry),
        "speakers": count(Speaker),
        "users": count(User),
        "seqs": sorted(db.session.execute(select(LiveBlog.slug, LiveBlog.last_seq)).all()),
    }


def demo_password(output: str, email: str) -> str:
    match = re.search(rf"{re.escape(email)} / (\S+)", output)
    assert match, output
    return match.group(1)


def test_demo_creates_a_show_with_a_live_and_an_ended_blog(app, cli):
    output = ok(cli("demo"))
    assert f"/e/{EVENT_SLUG}/" in output
    event = db.session.scalar(select(Event).where(Event.slug == EVENT_SLUG))
    blogs = {b.slug: b for b in db.session.scalars(select(LiveBlog))}
    with_entries = {slug: b for slug, b in blogs.items() if count_entries(b.id) > 0}
    assert sorted(b.status for b in with_entries.values()) == [BlogStatus.ENDED, BlogStatus.LIVE]
    assert all(b.event_id == event.id for b in blogs.values())

    entries = list(db.session.scalars(select(Entry)))
    assert 24 <= len(entries) <= 60  # a few dozen
    assert all(e.status == EntryStatus.PUBLISHED for e in entries)
    assert len([e for e in entries if e.is_pinned]) == 1
    pinned = next(e for e in entries if e.is_pinned)
    assert blogs_by_id(blogs)[pinned.blog_id].status == BlogStatus.LIVE
    assert len([e for e in entries if e.is_key]) >= 2
    assert any(e.speaker_id for e in entries)
    assert count(Speaker) >= 3

    # The pages it points at work, and the printed logins do too.
    client = app.test_client()
    assert client.get(f"/e/{EVENT_SLUG}/").status_code == 200
    for slug in with_entries:
        assert client.get(f"/e/{EVENT_SLUG}/{slug}/").status_code == 200
    for email in (REPORTER, EDITOR):
        assert_login(app, email, demo_password(output, email))


def count_entries(blog_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Entry.blog_id == blog_id))


def blogs_by_id(blogs: dict) -> dict:
    return {b.id: b for b in blogs.values()}


def assert_login(app, email: str, password: str, expected: int = 302) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == expected, (email, response.status_code)


def test_demo_twice_does_not_duplicate(app, cli):
    first_output = ok(cli("demo"))
    first = demo_counts()
    second_output = ok(cli("demo"))
    assert demo_counts() == first
    reporter = db.session.scalar(select(User).where(User.email == REPORTER))
    assert [e.slug for e in reporter.events] == [EVENT_SLUG]
    # Each run prints fresh logins; the older password stops working.
    old, new = demo_password(first_output, EDITOR), demo_password(second_output, EDITOR)
    assert old != new
    assert_login(app, EDITOR, new)
    assert_login(app, EDITOR, old, expected=401)
