"""Clicks a newsroom cannot take back: retract, release and end ask first; an ended blog reopens."""

from __future__ import annotations

import pytest
from conftest import csrf_token, login
from sqlalchemy import select

from blog import actions
from blog.content import queries
from blog.models import AuditRecord, BlogStatus, EmbargoBatch, Entry, EntryStatus, LiveBlog, Role
from blog.platform import db
from blog.platform.errors import Invalid


def fresh(model, row_id):
    db.session.remove()
    return db.session.get(model, row_id)


def logged_in(client, user):
    assert login(client, user).status_code == 302
    return client


@pytest.fixture
def batch(blog, reporter):
    batch = actions.create_batch(reporter, blog.id, "Fold 3 specs")
    data = actions.EntryInput(source="Embargoed: 8-inch screen")
    placement = actions.Placement(mode="batch", batch_id=batch.id)
    actions.post_entry(reporter, blog.id, data, "batch-entry-0001", placement)
    return batch


def batch_statuses(batch_id):
    db.session.remove()
    stmt = select(Entry.status).where(Entry.batch_id == batch_id)
    return list(db.session.scalars(stmt))


def test_release_now_asks_first_and_cancelling_changes_nothing(client, reporter, blog, batch):
    logged_in(client, reporter)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert f'href="/desk/batches/{batch.id}/release"' in page
    asked = client.get(f"/desk/batches/{batch.id}/release").get_data(as_text=True)
    assert "Release “Fold 3 specs” now?" in asked
    assert f'href="/desk/blogs/{blog.id}" id="confirm-cancel"' in asked
    token = csrf_token(client, f"/desk/blogs/{blog.id}")
    again = client.post(f"/desk/batches/{batch.id}/release", data={"csrf_token": token})
    assert again.status_code == 200 and "now?" in again.get_data(as_text=True)
    assert batch_statuses(batch.id) == [EntryStatus.SCHEDULED]
    done = {"csrf_token": token, "confirm": "yes"}
    response = client.post(f"/desk/batches/{batch.id}/release", data=done)
    assert response.status_code == 302 and response.location.endswith(f"/desk/blogs/{blog.id}")
    assert batch_statuses(batch.id) == [EntryStatus.PUBLISHED]


def test_a_contributor_is_refused_not_asked(client, make_user, blog, batch):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    logged_in(client, contributor)
    assert client.get(f"/desk/batches/{batch.id}/release").status_code == 403
    assert client.get("/desk/batches/999/release").status_code == 404


def curate_blog(event_id, blog_id):
    return f"/curate/events/{event_id}/blogs/{blog_id}/"


def test_closing_a_blog_on_the_curate_page_asks_then_reopening_undoes_it(client, editor, blog):
    logged_in(client, editor)
    page_url = curate_blog(blog.event_id, blog.id)
    page = client.get(page_url).get_data(as_text=True)
    assert "Close blog…" in page and "button--danger" in page
    token = csrf_token(client, page_url)
    status_url = page_url + "status"
    seq = blog.last_seq
    asked = client.post(status_url, data={"csrf_token": token, "status": "ended"})
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "End “A live blog”?" in text and "reopen" in text
    assert fresh(LiveBlog, blog.id).status == BlogStatus.LIVE
    ended = {"csrf_token": token, "status": "ended", "confirm": "yes"}
    assert client.post(status_url, data=ended).status_code == 302
    assert fresh(LiveBlog, blog.id).status == BlogStatus.ENDED
    page = client.get(page_url).get_data(as_text=True)
    assert "Reopen blog" in page
    reopen = {"csrf_token": token, "status": "live"}
    assert client.post(status_url, data=reopen).status_code == 302
    row = fresh(LiveBlog, blog.id)
    assert row.status == BlogStatus.LIVE and row.ended_at is None and row.started_at
    changes = queries.changes_since(blog.id, seq)
    assert [(c.type, c.payload["status"]) for c in changes] == [
        ("blog_status_changed", "ended"),
        ("blog_status_changed", "live"),
    ]
    audit = select(AuditRecord.action).where(
        AuditRecord.object_type == "blog", AuditRecord.object_id == blog.id
    )
    assert list(db.session.scalars(audit))[-2:] == ["blog.ended", "blog.reopen"]


def test_reopened_blog_takes_entries_again(editor, blog, make_entry):
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    with pytest.raises(Invalid):
        make_entry(blog, source="too late")
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    assert make_entry(blog, source="Back on air").status == EntryStatus.PUBLISHED


def test_an_ended_blog_cannot_go_back_to_scheduled(editor, make_blog):
    blog = make_blog(status=BlogStatus.ENDED)
    with pytest.raises(Invalid, match="^An ended blog cannot become scheduled.$"):
        actions.set_blog_status(editor, blog.id, BlogStatus.SCHEDULED)


def test_a_reporter_cannot_reopen(client, reporter, editor, blog):
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    logged_in(client, reporter)
    token = csrf_token(client, "/desk/")
    response = client.post(
        f"/desk/blogs/{blog.id}/status", data={"csrf_token": token, "status": "live"}
    )
    assert response.status_code == 403
    assert fresh(LiveBlog, blog.id).status == BlogStatus.ENDED


def test_unconfirmed_batch_page_is_safe_for_a_released_batch(client, reporter, blog, batch):
    actions.release_batch(reporter, batch.id)
    logged_in(client, reporter)
    token = csrf_token(client, f"/desk/blogs/{blog.id}")
    done = {"csrf_token": token, "confirm": "yes"}
    response = client.post(f"/desk/batches/{batch.id}/release", data=done)
    assert response.status_code == 422
    assert "already released" in response.get_data(as_text=True)
    assert fresh(EmbargoBatch, batch.id).released_at is not None
