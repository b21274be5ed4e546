"""A contributor's desk: submit for review, only the controls they may use, their submissions."""

from __future__ import annotations

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import func, select

from blog import actions
from blog.actions import pending_edits
from blog.models import Entry, EntryStatus, Role
from blog.platform import db


@pytest.fixture
def contributor(make_user, blog):
    return make_user(Role.CONTRIBUTOR, events=[blog.event])


def entries() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Entry))


def composer(client, user, blog) -> str:
    assert login(client, user).status_code == 302
    return client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)


def test_a_contributor_is_offered_submit_for_review_and_nothing_they_cannot_use(
    client, contributor, blog
):
    page = composer(client, contributor, blog)
    assert ">Submit for review</button>" in page and ">Publish</button>" not in page
    assert 'value="schedule"' not in page and 'name="publish_at"' not in page
    assert "Embargoed batches" not in page and 'value="batch"' not in page
    assert 'name="is_key"' not in page
    assert 'id="my-submissions"' in page and 'id="no-submissions"' in page


def test_a_reporter_keeps_every_control(client, reporter, blog):
    page = composer(client, reporter, blog)
    assert ">Publish</button>" in page and "Submit for review" not in page
    # Key moments are editors' call (the server refuses the flag from anyone else).
    assert 'value="schedule"' in page and 'name="is_key"' not in page
    assert "Embargoed batches" in page and 'id="my-submissions"' not in page


def test_a_contributor_cannot_mark_a_key_moment(client, contributor, blog):
    body = {"source": "Big news", "is_key": True, "idempotency_key": "contrib-key-0001"}
    url = f"/api/v1/blogs/{blog.id}/entries"
    response = client.post(url, json=body, headers=api_headers(contributor))
    assert response.status_code == 403
    assert response.get_json()["fields"] == {"is_key": "editors only"}
    assert entries() == 0
    body["is_key"] = False
    assert client.post(url, json=body, headers=api_headers(contributor)).status_code == 201


def test_an_editors_key_mark_survives_a_contributors_edit(client, contributor, editor, blog):
    data = actions.EntryInput(source="Hall 3 opens")
    entry, _ = actions.post_entry(contributor, blog.id, data, "contrib-key-0002")
    actions.approve_entry(editor, entry.id, entry.version)
    actions.mark_key_entry(editor, entry.id, True)
    composer(client, contributor, blog)
    edit_page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert '<input type="hidden" name="is_key" value="on">' in edit_page
    assert 'type="checkbox" name="is_key"' not in edit_page
    form = {
        "csrf_token": csrf_token(client, f"/desk/entries/{entry.id}/edit"),
        "base_version": str(db.session.get(Entry, entry.id, populate_existing=True).version),
        "kind": "text",
        "source": "Hall 3 opens at 9",
        "is_key": "on",
    }
    assert client.post(f"/desk/entries/{entry.id}/edit", data=form).status_code == 302
    # A contributor's edit of a published entry waits for an editor; approved, it
    # goes live with the editor's key mark still on.
    waiting = pending_edits.pending_edit_of(entry.id)
    actions.approve_entry(editor, entry.id, entry.version, waiting.revision)
    db.session.remove()
    row = db.session.get(Entry, entry.id)
    assert row.is_key is True and row.source == "Hall 3 opens at 9"


def test_after_sending_the_contributor_sees_it_waiting_then_the_return_note(
    client, contributor, editor, blog
):
    composer(client, contributor, blog)
    form = {
        "csrf_token": csrf_token(client, f"/desk/blogs/{blog.id}"),
        "idempotency_key": "contrib-form-0001",
        "kind": "text",
        "source": "Queue at the Aurora stand",
        "mode": "publish",
    }
    response = client.post(f"/desk/blogs/{blog.id}", data=form)
    assert response.status_code == 302 and response.location.endswith(f"/desk/blogs/{blog.id}")
    db.session.remove()
    entry = db.session.scalar(select(Entry))
    assert entry.status == EntryStatus.PENDING
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    mine = page[page.index('id="my-submissions"') :]
    assert "Queue at the Aurora stand" in mine and "waiting for an editor" in mine
    actions.return_entry(editor, entry.id, entry.version, "Which hall? Add the number.")
    for path in (f"/desk/blogs/{blog.id}", "/desk/"):
        page = client.get(path).get_data(as_text=True)
        assert "Editor’s note: Which hall? Add the number." in page, path
    assert 'id="my-submissions"' in client.get("/desk/").get_data(as_text=True)
