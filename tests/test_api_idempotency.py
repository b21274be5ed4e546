"""Idempotency keys on every API write: a repeat answers as the first did, per account, for 24 h."""

from __future__ import annotations

import uuid
from datetime import timedelta

from conftest import api_headers
from sqlalchemy import func, select

from blog.models import AuditRecord, IdempotentAnswer, LiveBlog, Role
from blog.platform import clock, db


def with_key(headers: dict, key: str) -> dict:
    return {**headers, "Idempotency-Key": key}


def audits(action: str) -> int:
    stmt = select(func.count()).where(AuditRecord.action == action)
    return db.session.scalar(stmt)


def test_a_repeated_edit_answers_the_first_result_once(client, blog, editor, make_entry):
    entry = make_entry(blog)
    headers = with_key(api_headers(editor), "edit-key-0001")
    body = {"base_version": 1, "source": "Corrected"}
    first = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=headers)
    again = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data() and again.get_json()["version"] == 2
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    without = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(editor))
    assert without.status_code == 409  # without the key it is a new, stale edit


def test_every_entry_write_repeats_its_first_answer(client, blog, editor, make_entry):
    headers = api_headers(editor)
    for path, body in (
        ("pin", None),
        ("unpin", None),
        ("key", {"is_key": True}),
        ("retract", None),
    ):
        entry = make_entry(blog)
        url = f"/api/v1/entries/{entry.id}/{path}"
        keyed = with_key(headers, f"{path}-{uuid.uuid4().hex}")
        first = client.post(url, json=body, headers=keyed)
        again = client.post(url, json=body, headers=keyed)
        assert first.status_code == 200, (path, first.get_json())
        assert (again.status_code, again.get_data()) == (200, first.get_data()), path
    assert audits("entry.retract") == 1  # the repeated retraction was not run again


def test_a_repeated_create_makes_one_blog(client, editor, make_event):
    event = make_event()
    headers = with_key(api_headers(editor), "blog-create-01")
    body = {"title": "Keynote", "slug": "keynote"}
    first = client.post(f"/api/v1/events/{event.slug}/blogs", json=body, headers=headers)
    again = client.post(f"/api/v1/events/{event.slug}/blogs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    count = select(func.count()).where(LiveBlog.event_id == event.id)
    assert db.session.scalar(count) == 1


def test_a_status_change_repeats_even_after_the_blog_moved_on(client, blog, editor):
    headers = api_headers(editor)
    keyed = with_key(headers, "status-key-01")
    url = f"/api/v1/blogs/{blog.id}/status"
    first = client.post(url, json={"status": "ended"}, headers=keyed)
    client.post(url, json={"status": "live"}, headers=headers)
    again = client.post(url, json={"status": "ended"}, headers=keyed)
    assert again.get_data() == first.get_data()
    assert db.session.get(LiveBlog, blog.id, populate_existing=True).status.value == "live"


def test_a_key_of_another_write_is_refused(client, blog, editor, make_entry):
    headers = api_headers(editor)
    one, two = make_entry(blog), make_entry(blog)
    keyed = with_key(headers, "shared-key-01")
    assert client.post(f"/api/v1/entries/{one.id}/pin", headers=keyed).status_code == 200
    other = client.post(f"/api/v1/entries/{two.id}/pin", headers=keyed)
    assert other.status_code == 422 and "another write" in other.get_json()["error"]
    post = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        json={"source": "x", "idempotency_key": "shared-key-01"},
        headers=headers,
    )
    assert post.status_code == 422 and "another write" in post.get_json()["error"]
    posted = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        json={"source": "y", "idempotency_key": "post-key-0001"},
        headers=headers,
    )
    assert posted.status_code == 201
    reused = client.post(
        f"/api/v1/entries/{one.id}/unpin", headers=with_key(headers, "post-key-0001")
    )
    assert reused.status_code == 422 and "entry" in reused.get_json()["error"]


def test_keys_belong_to_their_account(client, blog, editor, make_user, make_entry):
    second = make_user(Role.EDITOR)
    entry = make_entry(blog)
    url = f"/api/v1/entries/{entry.id}/retract"
    first = client.post(url, headers=with_key(api_headers(editor), "same-key-001"))
    other = client.post(url, headers=with_key(api_headers(second), "same-key-001"))
    assert first.status_code == 200
    assert other.status_code == 422  # its own first try: the entry is retracted already


def test_a_refused_write_keeps_no_answer(client, blog, make_user, make_entry, editor):
    reporter = make_user(Role.REPORTER, events=[blog.event])
    entry = make_entry(blog, reporter)
    url = f"/api/v1/entries/{entry.id}"
    keyed = with_key(api_headers(reporter), "fix-then-retry")
    refused = client.patch(url, json={"base_version": 1, "source": ""}, headers=keyed)
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotentAnswer)) == 0
    fixed = client.patch(url, json={"base_version": 1, "source": "Better"}, headers=keyed)
    assert fixed.status_code == 200


def test_malformed_keys_and_running_first_requests(client, blog, editor, make_entry):
    entry = make_entry(blog)
    headers = api_headers(editor)
    url = f"/api/v1/entries/{entry.id}/pin"
    bad = client.post(url, headers=with_key(headers, "short"))
    assert bad.status_code == 422 and bad.get_json()["fields"] == {
        "idempotency_key": "missing or malformed"
    }
    # A first request with this key that has not answered yet (still running elsewhere).
    db.session.add(
        IdempotentAnswer(user_id=editor.id, key="running-key-1", target=f"POST {url}", body="")
    )
    db.session.commit()
    running = client.post(url, headers=with_key(headers, "running-key-1"))
    assert running.status_code == 409 and "still running" in running.get_json()["error"]


def test_answers_are_forgotten_after_a_day(app, client, blog, editor, make_entry):
    entry = make_entry(blog)
    headers = with_key(api_headers(editor), "day-old-key-1")
    url = f"/api/v1/entries/{entry.id}/pin"
    assert client.post(url, headers=headers).status_code == 200
    later = clock.utcnow() + timedelta(hours=24, minutes=1)
    app.config["CLOCK"] = lambda: later
    try:
        other = make_entry(blog)
        # The day-old key is free again, even for another write.
        again = client.post(f"/api/v1/entries/{other.id}/pin", headers=headers)
    finally:
        app.config.pop("CLOCK")
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert db.session.scalar(select(func.count()).select_from(IdempotentAnswer)) == 1
