"""API tokens: random and hashed, shown once, event-scoped, expiring, revocable, header-only."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from conftest import csrf_token, login
from PIL import Image
from sqlalchemy import func, select

from blog import actions
from blog.actions.tokens import hash_token
from blog.content import queries
from blog.models import ApiToken, AuditRecord, Entry, Role, Speaker, User
from blog.platform import db
from blog.platform.clock import utcnow
from blog.platform.errors import Invalid


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def token_row(token: str) -> ApiToken:
    return db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(token))
        .execution_options(populate_existing=True)
    )


def post_entry(client, blog_id: int, token: str, source: str = "From the floor"):
    body = {"source": source, "idempotency_key": uuid.uuid4().hex}
    return client.post(f"/api/v1/blogs/{blog_id}/entries", json=body, headers=bearer(token))


def set_clock(app, delta: timedelta):
    """Move the app's clock by delta from now (tokens compare their expiry with it)."""
    moved = utcnow() + delta
    app.config["CLOCK"] = lambda: moved


def audit_actions(object_type: str = "api_token") -> list[str]:
    stmt = select(AuditRecord.action).where(AuditRecord.object_type == object_type)
    return list(db.session.scalars(stmt.order_by(AuditRecord.id)))


# --- the secret ------------------------------------------------------------------------------


def test_token_has_256_random_bits_and_only_its_hash_is_stored(make_user):
    user = make_user(Role.EDITOR)
    tokens = {actions.create_api_token(user, f"t{n}") for n in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert re.fullmatch(r"sf_[A-Za-z0-9_-]{43}", token)  # 43 base64 chars = 256 bits
        row = token_row(token)
        assert row.token_hash == hash_token(token) and token not in row.token_hash
    stored = db.session.execute(select(ApiToken.__table__)).all()
    assert not any(t in str(r) for r in stored for t in tokens)


# --- scope -----------------------------------------------------------------------------------


@pytest.fixture
def two_events(make_event, make_blog, make_entry, make_user):
    """A reporter assigned to events A and B, each with a live blog and an entry of theirs."""
    a, b = make_event(), make_event()
    reporter = make_user(Role.REPORTER, events=[a, b])
    blog_a, blog_b = make_blog(a), make_blog(b)
    entry_a, entry_b = make_entry(blog_a, reporter), make_entry(blog_b, reporter)
    token = actions.create_api_token(reporter, "only A", event_id=a.id)
    return {"token": token, "a": (a, blog_a, entry_a), "b": (b, blog_b, entry_b), "user": reporter}


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and r.arguments]


def url_for_event(rule, event, blog, entry, roster: dict) -> str:
    values = {"event_id": event.id, "event_slug": event.slug, "blog_id": blog.id}
    values["entry_id"] = entry.id
    values |= roster
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<[^>]*:?{name}>", str(values[name]), url)
    return url


def roster_of(event) -> dict:
    """Ids of a speaker, an organisation and an agenda session of the event, made once."""
    speaker = db.session.scalar(select(Speaker).where(Speaker.event_id == event.id))
    if speaker is None:
        speaker = actions.add_speaker(event, "Ada Speaker", "CTO", "Aurora")
    editor = db.session.scalar(select(User).where(User.role == Role.EDITOR)) or actions.create_user(
        "roster-editor@example.test", "Roster", "correct horse battery", Role.EDITOR
    )
    times = {"starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00"}
    session = actions.save_session(
        editor, event.id, None, actions.SessionInput(title="Talk", **times)
    )
    return {
        "speaker_id": speaker.id,
        "organization_id": speaker.organization_id,
        "session_id": session.id,
        "who": editor.id,
    }


def test_scoped_token_is_refused_on_every_api_route_of_another_event(app, client, two_events):
    token, (event_b, blog_b, entry_b) = two_events["token"], two_events["b"]
    roster = roster_of(event_b)
    before = (entry_count(), queries.blog_by_id(blog_b.id).last_seq)
    walked = 0
    for rule in api_rules(app):
        url = url_for_event(rule, event_b, blog_b, entry_b, roster)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, json={}, headers=bearer(token))
            assert response.status_code == 403, (method, url, response.get_json())
            assert "limited to the event" in response.get_json()["error"]
            walked += 1
    assert walked >= 30
    assert (entry_count(), queries.blog_by_id(blog_b.id).last_seq) == before


def test_scoped_token_works_on_its_own_event(client, two_events):
    token, (event_a, blog_a, entry_a) = two_events["token"], two_events["a"]
    assert client.get(f"/api/v1/blogs/{blog_a.id}", headers=bearer(token)).status_code == 200
    assert (
        client.get(f"/api/v1/events/{event_a.slug}/speakers", headers=bearer(token)).status_code
        == 200
    )
    assert post_entry(client, blog_a.id, token).status_code == 201
    body = {"base_version": 1, "source": "Edited"}
    patch = client.patch(f"/api/v1/entries/{entry_a.id}", json=body, headers=bearer(token))
    assert patch.status_code == 200


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(out, "JPEG")
    return out.getvalue()


def test_scoped_token_cannot_upload_a_photo_to_another_event(client, two_events):
    token, (_, blog_b, _) = two_events["token"], two_events["b"]
    form = {"file": (io.BytesIO(jpeg()), "p.jpg"), "blog_id": str(blog_b.id), "alt": "A stand"}
    response = client.post("/api/v1/media", data=form, headers=bearer(token))
    assert response.status_code == 403 and "limited to the event" in response.get_json()["error"]
    _, blog_a, _ = two_events["a"]
    form = {"file": (io.BytesIO(jpeg()), "p.jpg"), "blog_id": str(blog_a.id), "alt": "A stand"}
    assert client.post("/api/v1/media", data=form, headers=bearer(token)).status_code == 201


def test_a_token_can_only_be_scoped_to_ones_own_events(make_user, make_event):
    reporter = make_user(Role.REPORTER, events=[make_event()])
    other = make_event()
    with pytest.raises(Invalid) as exc:
        actions.create_api_token(reporter, "sneaky", event_id=other.id)
    assert exc.value.status == 422 and "event_id" in exc.value.fields
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- expiry ----------------------------------------------------------------------------------


def test_new_tokens_get_the_configured_lifetime_then_expire_with_a_clear_401(
    app, client, make_blog, editor
):
    app.config["API_TOKEN_DAYS"] = 5
    blog = make_blog()
    token = actions.create_api_token(editor, "five days")
    lifetime = token_row(token).expires_at - token_row(token).created_at
    assert lifetime == timedelta(days=5)
    set_clock(app, timedelta(days=4, hours=23))
    assert post_entry(client, blog.id, token).status_code == 201
    set_clock(app, timedelta(days=5, minutes=1))
    before = entry_count()
    for response in (
        post_entry(client, blog.id, token),
        client.get(f"/api/v1/blogs/{blog.id}", headers=bearer(token)),
    ):
        assert response.status_code == 401
        assert "expired on" in response.get_json()["error"]
    assert entry_count() == before


def test_chosen_lifetime_is_bounded(editor):
    token = actions.create_api_token(editor, "a week", days=7)
    assert token_row(token).expires_at - token_row(token).created_at == timedelta(days=7)
    for days in (0, -1, 367, True):
        with pytest.raises(Invalid) as exc:
            actions.create_api_token(editor, "bad", days=days)
        assert exc.value.status == 422 and "days" in exc.value.fields


def test_a_token_made_before_lifetimes_expires_a_lifetime_after_its_creation(
    app, client, make_blog, editor
):
    blog = make_blog()
    token = actions.create_api_token(editor, "old")
    row = token_row(token)
    row.expires_at = None  # as rows made before expiry was enforced
    db.session.commit()
    set_clock(app, timedelta(days=app.config["API_TOKEN_DAYS"], minutes=1))
    response = post_entry(client, blog.id, token)
    assert response.status_code == 401 and "expired" in response.get_json()["error"]


# --- revocation ------------------------------------------------------------------------------


def test_revoked_token_is_refused_at_once_with_its_own_message(client, make_blog, editor):
    blog = make_blog()
    token = actions.create_api_token(editor, "soon revoked")
    assert post_entry(client, blog.id, token).status_code == 201
    actions.revoke_api_token(editor, token_row(token).id)
    before = entry_count()
    response = post_entry(client, blog.id, token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "This API token was revoked; create a new one."
    assert entry_count() == before
    assert audit_actions() == ["token.create", "token.revoke"]


def test_unknown_token_message_differs_from_expired_and_revoked(client, make_blog):
    blog = make_blog()
    response = post_entry(client, blog.id, "sf_" + "x" * 43)
    assert response.status_code == 401 and "not known" in response.get_json()["error"]


# --- last use --------------------------------------------------------------------------------


def test_last_use_is_recorded_at_most_once_a_minute(app, client, make_blog, editor):
    blog = make_blog()
    token = actions.create_api_token(editor, "busy")
    assert token_row(token).last_used_at is None
    set_clock(app, timedelta(0))
    client.get(f"/api/v1/blogs/{blog.id}", headers=bearer(token))
    first = token_row(token).last_used_at
    assert first is not None
    set_clock(app, timedelta(seconds=30))
    client.get(f"/api/v1/blogs/{blog.id}", headers=bearer(token))
    assert token_row(token).last_used_at == first
    set_clock(app, timedelta(minutes=2))
    client.get(f"/api/v1/blogs/{blog.id}", headers=bearer(token))
    assert token_row(token).last_used_at > first


# --- never in a URL --------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["token", "access_token", "api_key", "anything"])
def test_token_in_the_query_string_is_refused_with_400(client, make_blog, editor, param):
    blog = make_blog()
    token = actions.create_api_token(editor, "leaky")
    before = entry_count()
    body = {"source": "x", "idempotency_key": uuid.uuid4().hex}
    for response in (
        client.get(f"/api/v1/blogs/{blog.id}?{param}={token}"),
        client.post(f"/api/v1/blogs/{blog.id}/entries?{param}={token}", json=body),
        client.post(
            f"/api/v1/blogs/{blog.id}/entries?{param}={token}", json=body, headers=bearer(token)
        ),
    ):
        assert response.status_code == 400
        assert "Authorization: Bearer" in response.get_json()["error"]
    assert entry_count() == before


def test_a_token_in_the_socket_auth_payload_grants_nothing(app, reader, make_event, editor):
    """Sockets take no API tokens: only a logged-in browser session may follow a review queue."""
    from blog.platform.extensions import socketio

    event = make_event()
    token = actions.create_api_token(editor, "socket")
    sio = socketio.test_client(app, auth={"token": token})
    try:
        ack = sio.emit("review_follow", {"event_id": event.id}, callback=True)
        assert ack["ok"] is False
    finally:
        sio.disconnect()


# --- the pages -------------------------------------------------------------------------------


def create_on_page(client, **form):
    token = csrf_token(client, "/people/me/tokens")
    return client.post("/people/me/tokens", data={**form, "csrf_token": token})


def test_a_user_creates_a_token_sees_it_once_lists_and_revokes_it(client, make_blog, make_user):
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event])
    login(client, reporter)
    page = create_on_page(client, name="newsroom bridge", event_id=str(blog.event.id), days="30")
    assert page.status_code == 201 and page.headers["Cache-Control"] == "private, no-store"
    token = re.search(r'value="(sf_[^"]+)"', page.get_data(as_text=True)).group(1)
    row = token_row(token)
    assert (row.name, row.event_id, row.user_id) == ("newsroom bridge", blog.event.id, reporter.id)
    assert row.expires_at - row.created_at == timedelta(days=30)
    assert post_entry(client, blog.id, token).status_code == 201

    listing = client.get("/people/me/tokens").get_data(as_text=True)
    assert token not in listing  # shown once: never again
    for shown in ("newsroom bridge", blog.event.name, "Last used", "Expires", "active"):
        assert shown in listing
    revoke = client.post(
        f"/people/tokens/{row.id}/revoke",
        data={"csrf_token": csrf_token(client, "/people/me/tokens")},
    )
    assert revoke.status_code == 302
    assert post_entry(client, blog.id, token).status_code == 401
    assert "revoked" in client.get("/people/me/tokens").get_data(as_text=True)
    assert audit_actions() == ["token.create", "token.revoke"]


def test_token_forms_need_their_csrf_token(client, editor):
    login(client, editor)
    assert client.post("/people/me/tokens", data={"name": "no csrf"}).status_code == 400
    row_token = actions.create_api_token(editor, "kept")
    row = token_row(row_token)
    assert client.post(f"/people/tokens/{row.id}/revoke").status_code == 400
    assert token_row(row_token).revoked_at is None
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_page_refuses_bad_input_and_creates_nothing(client, make_user, make_event):
    reporter = make_user(Role.REPORTER, events=[make_event()])
    login(client, reporter)
    for form in (
        {"name": ""},
        {"name": "x", "event_id": str(make_event().id)},
        {"name": "x", "days": "999"},
        {"name": "x", "days": "soon"},
    ):
        response = create_on_page(client, **form)
        assert response.status_code == 422, form
        assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_token_pages_need_a_login(client):
    response = client.get("/people/me/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_editors_revoke_staff_tokens_but_staff_cannot_touch_others(client, app, make_user, editor):
    reporter = make_user(Role.REPORTER)
    admin = make_user(Role.ADMIN)
    reporter_token = token_row(actions.create_api_token(reporter, "reporter's"))
    admin_token = token_row(actions.create_api_token(admin, "admin's"))

    other = app.test_client()
    login(other, make_user(Role.REPORTER))
    page = csrf_token(other, "/people/me/tokens")
    assert other.get(f"/people/{reporter.id}/tokens").status_code == 403
    assert (
        other.post(
            f"/people/tokens/{reporter_token.id}/revoke", data={"csrf_token": page}
        ).status_code
        == 403
    )

    login(client, editor)
    listing = client.get(f"/people/{reporter.id}/tokens")
    assert listing.status_code == 200 and "reporter&#39;s" in listing.get_data(as_text=True)
    page = csrf_token(client, f"/people/{reporter.id}/tokens")
    assert (
        client.post(
            f"/people/tokens/{admin_token.id}/revoke", data={"csrf_token": page}
        ).status_code
        == 403
    )
    response = client.post(f"/people/tokens/{reporter_token.id}/revoke", data={"csrf_token": page})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, reporter_token.id).revoked_at is not None
    assert db.session.get(ApiToken, admin_token.id).revoked_at is None
    actor = db.session.scalar(
        select(AuditRecord.actor_id).where(AuditRecord.action == "token.revoke")
    )
    assert actor == editor.id


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_makes_scoped_expiring_tokens_and_revokes_them(app, make_user, make_event):
    event = make_event()
    user = make_user(Role.REPORTER, events=[event])
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "token", user.email, "--name", "bot", "--event", event.slug, "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    row = token_row(result.stdout.strip())
    assert row.event_id == event.id and row.expires_at - row.created_at == timedelta(days=3)
    assert f"Token {row.id} expires" in result.stderr
    result = runner.invoke(args=["user", "revoke-token", str(row.id)])
    assert result.exit_code == 0, result.output
    assert db.session.get(ApiToken, row.id, populate_existing=True).revoked_at is not None
    result = runner.invoke(args=["user", "revoke-token", "999999"])
    assert result.exit_code != 0 and "No API token" in result.output
