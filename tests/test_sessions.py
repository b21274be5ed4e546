"""Browser sessions: cookie flags, a fresh session at login, and logout or a password change
ending every session and open socket of the account."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, IsolatedClient, csrf_token, dispose_app, login
from sqlalchemy import select

from blog import create_app
from blog.live import socket_auth
from blog.models import AuditRecord, Role
from blog.platform import db
from blog.platform.config import ENV_PRODUCTION, ENV_PUBLIC_URL

NEW_PASSWORD = "a quieter hall after lunch"


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


def session_cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def session_of(app, client) -> dict:
    """The decoded contents of the client's signed session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def audited(user, action: str) -> bool:
    stmt = select(AuditRecord.id).where(
        AuditRecord.object_id == user.id, AuditRecord.action == action
    )
    return db.session.scalar(stmt) is not None


# --- cookie flags -----------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client, make_user):
    response = login(client, make_user(Role.REPORTER))
    header = session_cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Lax" in header
    # Development serves plain HTTP on 127.0.0.1: a Secure cookie would never come back.
    assert "Secure" not in header


@pytest.fixture
def production_app(app, monkeypatch, tmp_path):
    """The app as configured with SHOWFLOOR_PRODUCTION=1, on the test's database."""
    monkeypatch.setenv(ENV_PRODUCTION, "1")
    monkeypatch.setenv(ENV_PUBLIC_URL, "https://live.example.org")
    production = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "ASYNC_MODE": "threading",
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            # No release loop or readers-count timer outliving the test.
            "SCHEDULER_INTERVAL": None,
            "READERS_COUNT": False,
        }
    )
    # create_app binds the shared scoped session to its own engine: keep every
    # session on the test app's engine, which the app fixture closes at the end.
    db.session.remove()
    db.session.configure(bind=app.extensions["showfloor_engine"])
    production.instance_path = str(tmp_path)
    production.test_client_class = IsolatedClient
    yield production
    dispose_app(production)


def test_the_session_cookie_is_secure_in_production(production_app, make_user):
    reporter = make_user(Role.REPORTER)
    browser = production_app.test_client()
    form = {"email": reporter.email, "password": PASSWORD}
    # Served as https://live.example.org, so Flask-WTF also checks the Referer,
    # which a browser sends on a same-origin form post.
    referer = {"Referer": "https://live.example.org/login"}
    data = {**form, "csrf_token": csrf_token(browser)}
    response = browser.post("/login", data=data, headers=referer)
    assert response.status_code == 302
    header = session_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


# --- a fresh session at login -----------------------------------------------------------


def test_login_starts_a_fresh_session(app, client, make_user):
    reporter = make_user(Role.REPORTER)
    anonymous_token = csrf_token(client)
    with client.session_transaction() as planted:  # what a fixation attacker would leave
        planted["next_hint"] = "/people/"
    before = client.get_cookie("session").value
    assert "csrf_token" in session_of(app, client)

    assert login(client, reporter).status_code == 302
    assert client.get_cookie("session").value != before
    assert session_of(app, client) == {"uid": reporter.id, "epoch": 0}
    # The anonymous page's CSRF token died with its session.
    stale = client.post("/logout", data={"csrf_token": anonymous_token})
    assert stale.status_code == 400
    assert client.get("/desk/").status_code == 200


def test_changing_the_password_rotates_this_browsers_session_too(app, client, make_user):
    reporter = make_user(Role.REPORTER)
    login(client, reporter)
    before = session_of(app, client)
    page = "/people/me/password"
    form = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post(page, data={**form, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    after = session_of(app, client)
    assert after["uid"] == reporter.id and after["epoch"] == before["epoch"] + 1
    # The page shown after the change carries a token of the new session, and it works.
    assert client.post("/logout", data={"csrf_token": csrf_token(client, page)}).status_code == 302


# --- ending every session and socket ----------------------------------------------------


@pytest.fixture
def chief(make_user):
    return make_user(Role.EDITOR)


@pytest.fixture
def two_browsers(app, chief):
    """The editor logged in twice: here (where they act) and elsewhere (another device)."""
    here, elsewhere = app.test_client(), app.test_client()
    login(here, chief)
    login(elsewhere, chief)
    return here, elsewhere


def follow_review(sio, event) -> bool:
    return sio.emit("review_follow", {"event_id": event.id}, callback=True)["ok"]


@pytest.fixture
def review_socket(two_browsers, make_event, reader):
    """An event, and the socket of the other device following its editors-only review room."""
    event = make_event()
    sio = reader(two_browsers[1])
    assert follow_review(sio, event)
    return event, sio


def log_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client)})


def change_password(client):
    page = "/people/me/password"
    form = {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return client.post(page, data={**form, "csrf_token": csrf_token(client, page)})


def test_logout_ends_the_session_everywhere_and_closes_the_sockets(
    app, chief, two_browsers, review_socket
):
    here, elsewhere = two_browsers
    _, sio = review_socket
    page_token = csrf_token(elsewhere, "/desk/")  # a desk page left open elsewhere

    assert log_out(here).status_code == 302

    assert here.get("/desk/").status_code == 302
    assert elsewhere.get("/desk/").status_code == 302
    assert not sio.is_connected()
    assert socket_auth.sids_of(chief.id) == set()
    # The open page's form no longer acts: its session is over.
    late = elsewhere.post(f"/people/{chief.id}/password-link", data={"csrf_token": page_token})
    assert late.status_code == 302 and "/login" in late.headers["Location"]
    assert audited(chief, "user.logout")
    assert login(app.test_client(), chief).status_code == 302  # logging in again works


@pytest.mark.parametrize("ending", [log_out, change_password], ids=["logout", "password"])
def test_a_socket_held_by_another_process_loses_its_rights_at_once(
    chief, two_browsers, review_socket, ending
):
    """This process cannot close another's sockets: each privileged event re-checks the epoch."""
    here, _ = two_browsers
    event, sio = review_socket
    for sid in socket_auth.sids_of(chief.id):
        socket_auth.forget(sid)  # as if the socket were held by another server process

    assert ending(here).status_code in (200, 302)

    assert sio.is_connected()
    assert not follow_review(sio, event)


def test_a_password_change_ends_the_other_sessions_and_their_sockets(
    chief, two_browsers, review_socket, reader
):
    here, elsewhere = two_browsers
    event, sio = review_socket

    assert change_password(here).status_code == 200

    assert here.get("/desk/").status_code == 200  # the browser that changed it stays in
    assert elsewhere.get("/desk/").status_code == 302
    assert not sio.is_connected()
    assert follow_review(reader(here), event)  # a socket of the new session has its rights
    assert audited(chief, "user.change_password")


def test_logging_out_an_anonymous_browser_changes_nothing(app, client, chief):
    elsewhere = app.test_client()
    login(elsewhere, chief)
    assert log_out(client).status_code == 302
    assert elsewhere.get("/desk/").status_code == 200
    assert not audited(chief, "user.logout")


def test_a_new_secret_key_signs_and_checks_sessions_at_once(app, client, make_user):
    login(client, make_user(Role.REPORTER))
    assert client.get("/desk/").status_code == 200
    signer = app.session_interface.get_signing_serializer(app)
    # One signer while the keys stay: no serializer is built per request.
    assert app.session_interface.get_signing_serializer(app) is signer
    old_key = app.secret_key
    app.secret_key = "a key rotated after a leak"
    try:
        # The old cookie no longer verifies: the desk asks for a login again.
        assert client.get("/desk/").status_code == 302
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert client.get("/desk/").status_code == 200
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []
