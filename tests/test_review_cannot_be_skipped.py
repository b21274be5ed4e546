"""Review cannot be skipped: contributors' live edits wait; key flags and batches are guarded."""

from __future__ import annotations

import io
import uuid

import pytest
from conftest import api_headers, csrf_token, login
from PIL import Image
from werkzeug.datastructures import FileStorage

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions
from blog.models import EmbargoBatch, Entry, EntryStatus, PendingEdit, Role
from blog.platform import db


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Each request in its own context, as in production."""
    app.test_client_class = IsolatedClient


@pytest.fixture
def contributor(make_user, blog):
    return make_user(Role.CONTRIBUTOR, events=[blog.event])


@pytest.fixture
def desk(app, editor):
    client = app.test_client()
    login(client, editor)
    return client


def logged_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def approved(contributor, editor, blog, source="The published words.") -> Entry:
    entry, _ = actions.post_entry(
        contributor, blog.id, actions.EntryInput(source=source), uuid.uuid4().hex
    )
    return actions.approve_entry(editor, entry.id, entry.version)


def fresh(entry_id: int) -> Entry:
    return db.session.get(Entry, entry_id, populate_existing=True)


def public_text(client, entry_id: int) -> str:
    return client.get(f"/api/v1/entries/{entry_id}").get_json()["source"]


def follower_of(reader, blog):
    sio = reader()
    sio.emit("follow", {"blog_id": blog.id, "since": fresh_blog_seq(blog)}, callback=True)
    sio.get_received()
    return sio


def fresh_blog_seq(blog) -> int:
    db.session.refresh(blog)
    return blog.last_seq


def photo_id(user, event_id: int) -> int:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "JPEG")
    file = FileStorage(io.BytesIO(buf.getvalue()), filename="p.jpg", content_type="image/jpeg")
    return actions.upload_media(user, event_id, file, "A stand", "", "").id


# ---- a contributor's edit of a published entry waits for review ------------------------------


def test_api_edit_of_a_published_entry_waits_and_readers_keep_the_old(
    app, client, reader, blog, contributor, editor
):
    entry = approved(contributor, editor, blog)
    follower = follower_of(reader, blog)
    body = {"base_version": entry.version, "source": "Unreviewed words.", "is_key": False}
    response = client.patch(
        f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(contributor)
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["pending_review"] is True
    assert response.get_json()["source"] == "The published words."
    assert public_text(client, entry.id) == "The published words."
    assert fresh(entry.id).version == entry.version
    assert follower.get_received() == []  # nothing went out to readers
    assert db.session.query(PendingEdit).filter_by(entry_id=entry.id).one().source == (
        "Unreviewed words."
    )


def test_desk_edit_with_is_key_is_refused_for_a_contributor(app, blog, contributor, editor):
    entry = approved(contributor, editor, blog)
    desk = logged_in(app, contributor)
    token = csrf_token(desk, "/desk/")
    body = {"base_version": entry.version, "source": "Sneaky", "is_key": True}
    response = desk.post(f"/desk/entries/{entry.id}", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert "is_key" in response.get_json()["error"]
    assert fresh(entry.id).is_key is False and fresh(entry.id).source == "The published words."


def test_desk_form_edit_of_a_published_entry_waits(app, client, blog, contributor, editor):
    entry = approved(contributor, editor, blog)
    desk = logged_in(app, contributor)
    token = csrf_token(desk, f"/desk/entries/{entry.id}/edit")
    data = {"source": "Form edit", "kind": "text", "base_version": entry.version}
    response = desk.post(f"/desk/entries/{entry.id}/edit", data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert public_text(client, entry.id) == "The published words."


def test_attaching_a_photo_to_a_published_entry_waits(app, client, blog, contributor, editor):
    entry = approved(contributor, editor, blog)
    media_id = photo_id(contributor, blog.event_id)
    response = client.post(
        f"/api/v1/entries/{entry.id}/media",
        json={"media_id": media_id},
        headers=api_headers(contributor),
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    published = client.get(f"/api/v1/entries/{entry.id}").get_json()
    assert published["media"] is None and published["kind"] == "text"
    assert db.session.query(PendingEdit).filter_by(entry_id=entry.id).one().media_id == media_id


def test_the_queue_shows_the_edit_and_approving_publishes_it_as_an_edit(
    app, client, desk, reader, blog, contributor, editor
):
    entry = approved(contributor, editor, blog)
    version = entry.version
    actions.edit_entry(contributor, entry.id, entry.version, actions.EntryInput(source="New *x*"))
    follower = follower_of(reader, blog)
    page = desk.get(f"/review/{blog.event.slug}/items").get_data(as_text=True)
    edit = db.session.query(PendingEdit).filter_by(entry_id=entry.id).one()
    assert f'id="pending-edit-{entry.id}"' in page and "<em>x</em>" in page
    assert "The published words." in page
    token = csrf_token(desk, f"/review/{blog.event.slug}/")
    form = {"base_version": entry.version, "edit_revision": edit.revision, "csrf_token": token}
    assert desk.post(f"/review/entries/{entry.id}/approve", data=form).status_code == 302
    assert public_text(client, entry.id) == "New *x*"
    assert fresh(entry.id).version == version + 1
    received = [(m["name"], m["args"][0]["entry_id"]) for m in follower.get_received()]
    assert received == [("entry_edited", entry.id)]
    assert db.session.query(PendingEdit).count() == 0


def test_returning_an_edit_keeps_the_published_version(
    app, client, desk, reader, blog, contributor, editor
):
    entry = approved(contributor, editor, blog)
    actions.edit_entry(contributor, entry.id, entry.version, actions.EntryInput(source="Nope"))
    edit = db.session.query(PendingEdit).filter_by(entry_id=entry.id).one()
    follower = follower_of(reader, blog)
    token = csrf_token(desk, f"/review/{blog.event.slug}/")
    form = {"base_version": entry.version, "edit_revision": edit.revision, "note": "Source?"}
    response = desk.post(f"/review/entries/{entry.id}/return", data={**form, "csrf_token": token})
    assert response.status_code == 302
    kept = fresh(entry.id)
    assert kept.status == EntryStatus.PUBLISHED and kept.source == "The published words."
    assert kept.version == entry.version and kept.review_note == "Source?"
    assert follower.get_received() == []
    assert db.session.query(PendingEdit).count() == 0


def test_an_edit_replaced_while_the_editor_reads_is_not_approved_unseen(
    desk, blog, contributor, editor
):
    entry = approved(contributor, editor, blog)
    actions.edit_entry(contributor, entry.id, entry.version, actions.EntryInput(source="One"))
    first = db.session.query(PendingEdit).filter_by(entry_id=entry.id).one().revision
    actions.edit_entry(contributor, entry.id, entry.version, actions.EntryInput(source="Two"))
    token = csrf_token(desk, f"/review/{blog.event.slug}/")
    form = {"base_version": entry.version, "edit_revision": first, "csrf_token": token}
    assert desk.post(f"/review/entries/{entry.id}/approve", data=form).status_code == 409
    assert fresh(entry.id).source == "The published words."


# ---- key flags are editors' -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["api", "desk_json"])
def test_a_reporter_cannot_set_is_key_on_create(app, client, blog, reporter, how):
    body = {"source": "Big news", "idempotency_key": uuid.uuid4().hex, "is_key": True}
    if how == "api":
        response = client.post(
            f"/api/v1/blogs/{blog.id}/entries", json=body, headers=api_headers(reporter)
        )
    else:
        desk = logged_in(app, reporter)
        token = csrf_token(desk, "/desk/")
        response = desk.post(
            f"/desk/blogs/{blog.id}/entries", json=body, headers={"X-CSRFToken": token}
        )
    assert response.status_code == 403
    assert response.get_json()["fields"] == {"is_key": "editors only"}
    assert db.session.query(Entry).count() == 0


def test_a_reporter_cannot_set_is_key_on_edit_but_may_edit_a_key_entry(
    client, make_entry, blog, reporter, editor
):
    entry = make_entry(blog, author=reporter)
    headers = api_headers(reporter)
    body = {"base_version": entry.version, "is_key": True}
    response = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=headers)
    assert response.status_code == 403 and "is_key" in response.get_json()["error"]
    assert fresh(entry.id).is_key is False
    actions.mark_key_entry(editor, entry.id, True)
    body = {"base_version": entry.version, "source": "Fixed a typo"}
    response = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=headers)
    assert response.status_code == 200 and fresh(entry.id).is_key is True


def test_an_editor_may_set_is_key_on_create(client, blog, editor):
    body = {"source": "Big news", "idempotency_key": uuid.uuid4().hex, "is_key": True}
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries", json=body, headers=api_headers(editor)
    )
    assert response.status_code == 201 and response.get_json()["is_key"] is True


# ---- releasing a batch is its owner's or an editor's ----------------------------------------


def test_a_colleague_cannot_release_someone_elses_batch(app, blog, reporter, make_user):
    colleague = make_user(Role.REPORTER, events=[blog.event])
    batch = actions.create_batch(reporter, blog.id, "Launch")
    actions.post_entry(
        reporter,
        blog.id,
        actions.EntryInput(source="Embargoed"),
        uuid.uuid4().hex,
        actions.Placement(mode="batch", batch_id=batch.id),
    )
    desk = logged_in(app, colleague)
    token = csrf_token(desk, "/desk/")
    response = desk.post(f"/desk/batches/{batch.id}/release", data={"csrf_token": token})
    assert response.status_code == 403
    assert "who prepared this batch" in response.get_data(as_text=True)
    assert db.session.get(EmbargoBatch, batch.id, populate_existing=True).released_at is None
    owner = logged_in(app, reporter)
    token = csrf_token(owner, "/desk/")
    assert (
        owner.post(
            f"/desk/batches/{batch.id}/release", data={"csrf_token": token, "confirm": "yes"}
        ).status_code
        == 302
    )
    assert db.session.get(EmbargoBatch, batch.id, populate_existing=True).released_at is not None
