"""Moderation: the queue, approve, return with a note, resubmit, and the editors' live room."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import csrf_token, login
from sqlalchemy import select

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions
from blog.models import AuditRecord, BlogStatus, Entry, EntryStatus, Role
from blog.platform import db


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Each request in its own context, as in production."""
    app.test_client_class = IsolatedClient


@pytest.fixture
def blog(make_blog):
    return make_blog()


@pytest.fixture
def contributor(make_user, blog):
    return make_user(Role.CONTRIBUTOR, events=[blog.event])


@pytest.fixture
def desk(app, editor):
    client = app.test_client()
    login(client, editor)
    return client


def submit(contributor, blog, source="From the floor, pending.") -> Entry:
    entry, _ = actions.post_entry(
        contributor, blog.id, actions.EntryInput(source=source), uuid.uuid4().hex
    )
    assert entry.status == EntryStatus.PENDING
    return entry


def queue_events(sio) -> list[tuple[str, int, str]]:
    return [(m["name"], m["args"][0]["entry_id"], m["args"][0]["what"]) for m in sio.get_received()]


def join_review(sio, event_id) -> dict:
    return sio.emit("review_follow", {"event_id": event_id}, callback=True)


@pytest.fixture
def watching(desk, reader, blog):
    """An editor's socket in the event's review room."""
    sio = reader(desk)
    assert join_review(sio, blog.event_id) == {"ok": True}
    return sio


def post(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def fresh(entry) -> Entry:
    return db.session.get(Entry, entry.id, populate_existing=True)


def test_a_submission_reaches_the_watching_editor_exactly_once(watching, reader, blog, contributor):
    follower = reader()
    follower.emit("follow", {"blog_id": blog.id, "since": blog.last_seq}, callback=True)
    follower.get_received()
    entry = submit(contributor, blog)
    assert queue_events(watching) == [("review_queue_changed", entry.id, "submitted")]
    assert follower.get_received() == []  # readers never see pending entries


def test_another_events_room_hears_nothing(desk, reader, make_blog, blog, contributor):
    elsewhere = reader(desk)
    other = make_blog()
    assert join_review(elsewhere, other.event_id) == {"ok": True}
    submit(contributor, blog)
    assert elsewhere.get_received() == []


def test_the_queue_page_lists_pending_entries(desk, blog, contributor):
    entry = submit(contributor, blog, "Waiting **here**")
    page = desk.get(f"/review/{blog.event.slug}/").get_data(as_text=True)
    assert f'id="pending-{entry.id}"' in page and "<strong>here</strong>" in page
    items = desk.get(f"/review/{blog.event.slug}/items").get_data(as_text=True)
    assert f'id="pending-{entry.id}"' in items and "<html" not in items


def test_approve_publishes_live_and_audits(desk, watching, reader, blog, contributor, editor):
    entry = submit(contributor, blog)
    watching.get_received()
    follower = reader()
    follower.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    follower.get_received()
    path = f"/review/entries/{entry.id}/approve"
    response = post(desk, path, {"base_version": entry.version}, f"/review/{blog.event.slug}/")
    assert response.status_code == 302
    approved = fresh(entry)
    assert approved.status == EntryStatus.PUBLISHED and approved.published_at is not None
    assert approved.reviewed_by_id == editor.id
    received = follower.get_received()
    assert [(m["name"], m["args"][0]["entry_id"]) for m in received] == [
        ("entry_published", entry.id)
    ]
    assert queue_events(watching) == [("review_queue_changed", entry.id, "approved")]
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "entry.approve"))
    assert audit.object_id == entry.id and audit.actor_id == editor.id


def test_return_with_note_then_edit_and_resubmit(app, desk, watching, blog, contributor):
    entry = submit(contributor, blog)
    watching.get_received()
    queue_page = f"/review/{blog.event.slug}/"
    data = {"base_version": entry.version, "note": "Name the speaker, please."}
    assert post(desk, f"/review/entries/{entry.id}/return", data, queue_page).status_code == 302
    returned = fresh(entry)
    assert returned.status == EntryStatus.DRAFT
    assert returned.review_note == "Name the speaker, please."
    assert queue_events(watching) == [("review_queue_changed", entry.id, "returned")]

    own = app.test_client()
    login(own, contributor)
    desk_page = own.get("/desk/").get_data(as_text=True)
    assert "Name the speaker, please." in desk_page and f'id="submission-{entry.id}"' in desk_page
    actions.edit_entry(
        contributor, entry.id, returned.version, actions.EntryInput(source="Ana said it.")
    )
    assert post(own, f"/review/entries/{entry.id}/resubmit", {}, "/desk/").status_code == 302
    again = fresh(entry)
    assert again.status == EntryStatus.PENDING and again.source == "Ana said it."
    assert queue_events(watching) == [("review_queue_changed", entry.id, "submitted")]
    names = db.session.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.object_type == "entry", AuditRecord.object_id == entry.id)
        .order_by(AuditRecord.id)
    )
    assert list(names) == ["entry.create", "entry.return", "entry.edit", "entry.submit"]


def test_edits_and_withdrawals_of_pending_entries_update_the_queue(watching, blog, contributor):
    entry = submit(contributor, blog)
    actions.edit_entry(contributor, entry.id, entry.version, actions.EntryInput(source="v2"))
    actions.retract_entry(contributor, entry.id)
    assert queue_events(watching) == [
        ("review_queue_changed", entry.id, "submitted"),
        ("review_queue_changed", entry.id, "edited"),
        ("review_queue_changed", entry.id, "withdrawn"),
    ]


@pytest.mark.parametrize(
    "case,status",
    [("no note", 422), ("stale version", 409), ("not pending", 422), ("forged id", 404)],
)
def test_bad_decisions_are_refused_without_change(desk, blog, contributor, editor, case, status):
    entry = submit(contributor, blog)
    page = f"/review/{blog.event.slug}/"
    if case == "not pending":
        actions.approve_entry(editor, entry.id, entry.version)
    target = 999999 if case == "forged id" else entry.id
    version = entry.version + 1 if case == "stale version" else entry.version
    note = "" if case == "no note" else "please fix"
    before = fresh(entry)
    before_state = (before.status, before.version, before.review_note)
    response = post(
        desk, f"/review/entries/{target}/return", {"base_version": version, "note": note}, page
    )
    assert response.status_code == status
    after = fresh(entry)
    assert (after.status, after.version, after.review_note) == before_state


def test_approving_into_an_ended_blog_is_refused(desk, blog, contributor, editor):
    entry = submit(contributor, blog)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    page = f"/review/{blog.event.slug}/"
    path = f"/review/entries/{entry.id}/approve"
    assert post(desk, path, {"base_version": entry.version}, page).status_code == 422
    assert fresh(entry).status == EntryStatus.PENDING


def test_reporters_contributors_and_anonymous_cannot_review(
    app, reader, blog, contributor, make_user
):
    entry = submit(contributor, blog)
    reporter = make_user(Role.REPORTER, events=[blog.event])
    for user in (reporter, contributor, None):
        client = app.test_client()
        if user is not None:
            login(client, user)
            assert client.get(f"/review/{blog.event.slug}/").status_code == 403
        sio = reader(client)
        ack = join_review(sio, blog.event_id)
        assert ack["ok"] is False
        token = csrf_token(client, "/login") if user is None else csrf_token(client, "/desk/")
        data = {"base_version": entry.version, "csrf_token": token}
        response = client.post(f"/review/entries/{entry.id}/approve", data=data)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
        submit(contributor, blog, f"another {user}")
        assert sio.get_received() == []
    assert fresh(entry).status == EntryStatus.PENDING


def test_contributors_cannot_resubmit_others_entries(app, blog, contributor, make_user, desk):
    entry = submit(contributor, blog)
    actions.return_entry(actions_editor(make_user), entry.id, entry.version, "fix it")
    other = make_user(Role.CONTRIBUTOR, events=[blog.event])
    client = app.test_client()
    login(client, other)
    assert post(client, f"/review/entries/{entry.id}/resubmit", {}, "/desk/").status_code == 403
    assert fresh(entry).status == EntryStatus.DRAFT


def actions_editor(make_user):
    return make_user(Role.EDITOR)


def test_review_links_exist_for_editors(desk, blog):
    page = desk.get("/review/").get_data(as_text=True)
    assert re.search(rf'href="/review/{blog.event.slug}/"', page)


def test_a_contributors_draft_published_goes_to_the_queue_audited(watching, blog, contributor):
    draft, _ = actions.post_entry(
        contributor,
        blog.id,
        actions.EntryInput(source="draft first"),
        uuid.uuid4().hex,
        actions.Placement(mode="draft"),
    )
    assert watching.get_received() == []
    entry = actions.publish_entry(contributor, draft.id)
    assert entry.status == EntryStatus.PENDING
    assert queue_events(watching) == [("review_queue_changed", entry.id, "submitted")]
    names = db.session.scalars(
        select(AuditRecord.action).where(
            AuditRecord.object_type == "entry", AuditRecord.object_id == entry.id
        )
    )
    assert list(names) == ["entry.create", "entry.submit"]
