"""Fields only the server sets are refused by name (422) on every JSON write; nothing changes."""

from __future__ import annotations

import uuid

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import func, select

from blog.api.client_fields import SERVER_FIELDS
from blog.content import queries
from blog.models import Entry, Role, Speaker
from blog.platform import db

# A value of the right type for each, so only the field's name can cause the refusal.
SAMPLE = {
    "id": 7,
    "author": "Someone Else",
    "author_id": 1,
    "user_id": 1,
    "role": "admin",
    "event": "another-show",
    "event_id": 1,
    "blog_id": 1,
    "seq": 99,
    "last_seq": 99,
    "version": 5,
    "status": "published",
    "html": "<b>x</b>",
    "is_pinned": True,
    "created_at": "2020-01-01T00:00:00+00:00",
    "updated_at": "2020-01-01T00:00:00+00:00",
    "published_at": "2020-01-01T00:00:00+00:00",
    "retracted_at": "2020-01-01T00:00:00+00:00",
}


def snapshot(blog_id: int) -> tuple:
    """What a refused write must leave untouched: entries, their versions, the blog's head."""
    entries = db.session.execute(select(Entry.id, Entry.version, Entry.status, Entry.source))
    speakers = db.session.scalar(select(func.count()).select_from(Speaker))
    return sorted(entries.all()), queries.blog_by_id(blog_id).last_seq, speakers


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, (field, response.get_json())
    body = response.get_json()
    assert field in body["error"] and "set by the server" in body["fields"][field]


@pytest.fixture
def world(make_blog, make_entry, make_user):
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event])
    entry = make_entry(blog, reporter)
    return blog, entry, reporter


def test_the_list_names_every_field_the_issue_names():
    for field in ("author", "seq", "version", "status", "created_at", "role", "id", "event"):
        assert field in SERVER_FIELDS


def test_api_refuses_server_fields_in_posts_and_edits(client, world):
    blog, entry, reporter = world
    headers = api_headers(reporter)
    before = snapshot(blog.id)
    for field in SERVER_FIELDS:
        post = {"source": "x", "idempotency_key": uuid.uuid4().hex, field: SAMPLE[field]}
        url = f"/api/v1/blogs/{blog.id}/entries"
        assert_refused(client.post(url, json=post, headers=headers), field)
        edit = {"source": "y", "base_version": 1, field: SAMPLE[field]}
        assert_refused(
            client.patch(f"/api/v1/entries/{entry.id}", json=edit, headers=headers), field
        )
    assert snapshot(blog.id) == before


def test_api_curation_bodies_refuse_server_fields(client, world, editor):
    blog, entry, _ = world
    headers = api_headers(editor)
    before = snapshot(blog.id)
    key = client.post(
        f"/api/v1/entries/{entry.id}/key", json={"is_key": True, "version": 1}, headers=headers
    )
    assert_refused(key, "version")
    status = client.post(
        f"/api/v1/blogs/{blog.id}/status", json={"status": "ended", "id": 1}, headers=headers
    )
    assert_refused(status, "id")
    attach = client.post(
        f"/api/v1/entries/{entry.id}/media", json={"media_id": 1, "author": "x"}, headers=headers
    )
    assert_refused(attach, "author")
    assert snapshot(blog.id) == before


def desk(client, user):
    login(client, user)
    return {"X-CSRFToken": csrf_token(client, "/desk/"), "Accept": "application/json"}


def test_desk_json_refuses_server_fields(client, world):
    blog, entry, reporter = world
    headers = desk(client, reporter)
    before = snapshot(blog.id)
    writes = [
        (f"/desk/blogs/{blog.id}/entries", {"source": "x", "idempotency_key": uuid.uuid4().hex}),
        (f"/desk/entries/{entry.id}", {"source": "y", "base_version": 1}),
        (f"/desk/blogs/{blog.id}/preview", {"source": "z"}),
        (f"/desk/events/{blog.event.id}/speakers", {"name": "New Speaker"}),
        (f"/desk/entries/{entry.id}/media", {"media_id": 1}),
    ]
    for field in SERVER_FIELDS:
        for url, body in writes:
            response = client.post(url, json={**body, field: SAMPLE[field]}, headers=headers)
            assert_refused(response, field)
    assert snapshot(blog.id) == before


def test_the_same_bodies_without_the_field_are_accepted(client, world):
    """The refusals above are the field's doing: the same bodies alone succeed."""
    blog, entry, reporter = world
    headers = api_headers(reporter)
    post = {"source": "x", "idempotency_key": uuid.uuid4().hex}
    assert (
        client.post(f"/api/v1/blogs/{blog.id}/entries", json=post, headers=headers).status_code
        == 201
    )
    edit = {"source": "y", "base_version": 1}
    assert (
        client.patch(f"/api/v1/entries/{entry.id}", json=edit, headers=headers).status_code == 200
    )
    desk_headers = desk(client, reporter)
    preview = client.post(
        f"/desk/blogs/{blog.id}/preview", json={"source": "z"}, headers=desk_headers
    )
    assert preview.status_code == 200


# --- types found unchecked while writing the OpenAPI document --------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"speaker_id": "3"}, "speaker_id"),
        ({"speaker_id": True}, "speaker_id"),
        ({"media_id": "1"}, "media_id"),
        ({"tags": [1, 2]}, "tags"),
        ({"tags": "a,b"}, "tags"),
        ({"headline": 5}, "headline"),
    ],
)
def test_api_refuses_wrongly_typed_entry_fields(client, world, body, field):
    """Regression: speaker_id "3" or tags [1] in a text entry were accepted (tags stored as "1")."""
    blog, _, reporter = world
    before = snapshot(blog.id)
    post = {"source": "x", "idempotency_key": uuid.uuid4().hex, **body}
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries", json=post, headers=api_headers(reporter)
    )
    assert response.status_code == 422 and field in response.get_json()["fields"]
    assert snapshot(blog.id) == before


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_an_id_out_of_range_is_404_not_405(client, editor, method):
    """Regression (schemathesis): POST /blogs/<2**31>/entries answered 405 Method Not Allowed."""
    paths = {"POST": "/api/v1/blogs/2147483648/entries", "PATCH": "/api/v1/entries/99999999999"}
    response = client.open(paths[method], method=method, json={}, headers=api_headers(editor))
    assert response.status_code == 404 and response.is_json
    wrong_method = client.delete("/api/v1/blogs/1/entries", headers=api_headers(editor))
    assert wrong_method.status_code == 405
