"""People and roles: invite by link, assign, change roles, deactivate with immediate effect."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, api_headers, csrf_token, login
from sqlalchemy import func, select, update

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions
from blog.models import ApiToken, AuditRecord, Entry, Role, User
from blog.platform import db
from blog.platform.errors import Forbidden


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Every test client here runs each request in its own context, as in production."""
    app.test_client_class = IsolatedClient


def post_form(client, path, data, token_page="/people/"):
    """POST a desk form with the CSRF token of the given page."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_page)})


def fresh(user):
    return db.session.get(User, user.id, populate_existing=True)


def audit_actions(**where):
    stmt = select(AuditRecord.action).filter_by(**where).order_by(AuditRecord.id)
    return list(db.session.scalars(stmt))


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def desk(client, editor):
    """An editor logged in to the browser desk."""
    login(client, editor)
    return client


def invite(client, **data):
    return post_form(client, "/people/invite", data)


def link_in(response) -> str:
    match = re.search(
        r'<code id="password-link">http://[^/]+(/people/set-password/[^<]+)</code>',
        response.get_data(as_text=True),
    )
    assert match, response.get_data(as_text=True)
    return match.group(1)


def test_invite_gives_a_one_time_link_that_sets_the_password(desk, app, make_event, editor):
    event = make_event()
    response = invite(
        desk, email="Ana@Example.test", name="Ana", role="reporter", event_id=event.id
    )
    assert response.status_code == 200
    link = link_in(response)
    ana = db.session.scalar(select(User).where(User.email == "ana@example.test"))
    assert ana.role == Role.REPORTER and [e.id for e in ana.events] == [event.id]

    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    token = csrf_token(newcomer, link)
    data = {"password": "a long passphrase", "confirm": "a long passphrase", "csrf_token": token}
    assert newcomer.post(link, data=data).status_code == 302
    assert newcomer.get(link).status_code == 410  # used once, gone
    login(newcomer, ana, "a long passphrase")
    assert newcomer.get("/desk/").status_code == 200
    assert audit_actions(object_id=ana.id, object_type="user") == [
        "user.invite",
        "user.assign",
        "user.set_password",
    ]


def test_set_password_refuses_a_mismatch_and_a_short_password(desk, app):
    link = link_in(invite(desk, email="bo@example.test", name="Bo", role="contributor"))
    other = app.test_client()
    token = csrf_token(other, link)
    mismatch = {"password": "passphrase one", "confirm": "passphrase two", "csrf_token": token}
    assert other.post(link, data=mismatch).status_code == 422
    short = {"password": "short", "confirm": "short", "csrf_token": token}
    assert other.post(link, data=short).status_code == 422
    assert other.get(link).status_code == 200  # still unused


def test_duplicate_email_is_refused_without_a_second_account(desk, editor):
    before = user_count()
    response = invite(desk, email=editor.email.upper(), name="Again", role="reporter")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert user_count() == before


def test_editors_cannot_create_editors_but_admins_can(desk, client, app, admin):
    before = user_count()
    assert invite(desk, email="e2@example.test", role="editor").status_code == 403
    assert user_count() == before
    other = app.test_client()
    login(other, admin)
    assert invite(other, email="e2@example.test", role="editor").status_code == 200
    assert user_count() == before + 1


def test_forms_without_csrf_change_nothing(desk, make_user, make_event):
    reporter = make_user(Role.REPORTER)
    event = make_event()
    response = desk.post(f"/people/{reporter.id}/assign", data={"event_id": event.id})
    assert response.status_code == 400
    assert fresh(reporter).events == []


def test_assign_and_unassign_take_effect_at_once(desk, app, make_user, make_blog, reader):
    blog = make_blog()
    reporter = make_user(Role.REPORTER)
    browser = app.test_client()
    login(browser, reporter)
    path = f"/people/{reporter.id}"
    assert post_form(desk, f"{path}/assign", {"event_id": blog.event_id}).status_code == 302
    data = actions.EntryInput(source="allowed now")
    actions.post_entry(reporter, blog.id, data, "key-assigned-1")
    sio = reader(browser)
    assert sio.emit("join_desk", {"blog_id": blog.id}, callback=True)["ok"] is True
    assert post_form(desk, f"{path}/unassign", {"event_id": blog.event_id}).status_code == 302
    assert not sio.is_connected()  # out of the event's desk room at once
    with pytest.raises(Forbidden):
        actions.post_entry(reporter, blog.id, actions.EntryInput(source="no"), "key-unassigned")
    assert audit_actions(object_id=reporter.id, object_type="user")[-2:] == [
        "user.assign",
        "user.unassign",
    ]


def test_forged_ids_are_refused_without_change(desk, make_user, make_event, editor):
    reporter = make_user(Role.REPORTER)
    assert post_form(desk, f"/people/{reporter.id}/assign", {"event_id": 999999}).status_code == 404
    assert (
        post_form(desk, "/people/999999/assign", {"event_id": make_event().id}).status_code == 404
    )
    assert post_form(desk, f"/people/{reporter.id}/assign", {"event_id": "x"}).status_code == 422
    assert (
        post_form(desk, f"/people/{editor.id}/assign", {"event_id": make_event().id}).status_code
        == 403
    )
    assert fresh(reporter).events == []


def test_only_admins_change_roles_and_the_session_must_log_in_again(desk, app, admin, make_user):
    target = make_user(Role.REPORTER)
    target_client = app.test_client()
    login(target_client, target)
    assert target_client.get("/desk/").status_code == 200

    assert post_form(desk, f"/people/{target.id}/role", {"role": "editor"}).status_code == 403
    assert fresh(target).role == Role.REPORTER

    admin_client = app.test_client()
    login(admin_client, admin)
    assert (
        post_form(admin_client, f"/people/{target.id}/role", {"role": "editor"}).status_code == 302
    )
    assert fresh(target).role == Role.EDITOR
    assert target_client.get("/desk/").status_code == 302  # logged out at once
    row = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "user.role"))
    assert row.detail == {"old": "reporter", "new": "editor"} and row.actor_id == admin.id
    # An admin cannot demote themselves, so an admin always remains.
    assert (
        post_form(admin_client, f"/people/{admin.id}/role", {"role": "reporter"}).status_code == 403
    )


def test_deactivation_ends_sessions_tokens_and_sockets_at_once(
    desk, app, make_user, make_blog, reader
):
    blog = make_blog()
    victim = make_user(Role.REPORTER, events=[blog.event])
    headers = api_headers(victim)
    browser = app.test_client()
    login(browser, victim)
    page_token = csrf_token(browser, f"/desk/blogs/{blog.id}")  # an open compose page
    sio = reader(browser)
    assert sio.is_connected()

    assert post_form(desk, f"/people/{victim.id}/deactivate", {}).status_code == 302

    assert not sio.is_connected()
    form = {
        "source": "still here?",
        "kind": "text",
        "idempotency_key": "after-deactivation-1",
        "csrf_token": page_token,
    }
    assert browser.post(f"/desk/blogs/{blog.id}", data=form).status_code == 302
    body = {"source": "via API", "idempotency_key": "after-deactivation-2"}
    assert (
        app.test_client()
        .post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
        .status_code
        == 401
    )
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
    revoked = db.session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == victim.id))
    assert all(r is not None for r in revoked)
    assert "user.deactivate" in audit_actions(object_id=victim.id, object_type="user")
    login_again = app.test_client()
    assert login(login_again, victim).status_code == 401


def test_a_socket_rechecks_its_user_even_if_not_disconnected(app, make_user, make_event, reader):
    """Another process deactivates the editor: this process's socket loses its rights anyway."""
    event = make_event()
    chief = make_user(Role.EDITOR)
    browser = app.test_client()
    login(browser, chief)
    sio = reader(browser)
    assert sio.emit("review_follow", {"event_id": event.id}, callback=True) == {"ok": True}
    db.session.execute(update(User).where(User.id == chief.id).values(active=False))
    db.session.commit()
    assert sio.is_connected()
    assert sio.emit("review_follow", {"event_id": event.id}, callback=True)["ok"] is False


def test_editors_cannot_deactivate_editors_nor_anyone_themselves(desk, editor, make_user, admin):
    other_editor = make_user(Role.EDITOR)
    assert post_form(desk, f"/people/{other_editor.id}/deactivate", {}).status_code == 403
    assert post_form(desk, f"/people/{editor.id}/deactivate", {}).status_code == 403
    assert fresh(other_editor).active and fresh(editor).active


def test_reactivation_needs_a_new_password_link_for_old_sessions(desk, app, make_user):
    reporter = make_user(Role.REPORTER)
    old = app.test_client()
    login(old, reporter)
    post_form(desk, f"/people/{reporter.id}/deactivate", {})
    post_form(desk, f"/people/{reporter.id}/reactivate", {})
    assert fresh(reporter).active
    assert old.get("/desk/").status_code == 302  # the old session stays ended
    assert login(app.test_client(), reporter, PASSWORD).status_code == 302


def test_password_link_expires_when_the_password_changes_otherwise(desk, app, make_user):
    reporter = make_user(Role.REPORTER)
    response = post_form(desk, f"/people/{reporter.id}/password-link", {})
    link = link_in(response)
    post_form(desk, f"/people/{reporter.id}/deactivate", {})
    assert app.test_client().get(link).status_code == 410


def test_people_pages_are_for_editors(client, app, make_user, desk, editor):
    reporter = make_user(Role.REPORTER)
    assert client.get("/people/").status_code == 200  # desk is the editor's client
    other = app.test_client()
    assert other.get("/people/").status_code == 302
    login(other, reporter)
    assert other.get("/people/").status_code == 403
    assert other.get(f"/people/{editor.id}").status_code == 403
    assert desk.get(f"/people/{reporter.id}").status_code == 200


def test_changing_ones_password_ends_the_other_sessions_only(app, make_user):
    reporter = make_user(Role.REPORTER)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, reporter)
    login(elsewhere, reporter)
    page = "/people/me/password"
    wrong = {"current": "not it at all", "new": "fresh passphrase", "confirm": "fresh passphrase"}
    assert post_form(here, page, wrong, page).status_code == 422
    right = {**wrong, "current": PASSWORD}
    assert post_form(here, page, right, page).status_code == 200
    assert here.get("/desk/").status_code == 200
    assert elsewhere.get("/desk/").status_code == 302
    assert login(app.test_client(), reporter, "fresh passphrase").status_code == 302
    assert "user.change_password" in audit_actions(object_id=reporter.id, object_type="user")
