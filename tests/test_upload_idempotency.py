"""Photo uploads are idempotent per client key: a resent outbox item makes one photo, one attach."""

from __future__ import annotations

import io
import uuid

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from test_media import camera_jpeg, desk_upload, media_count, media_files, text_png

from blog import actions
from blog.actions.media import upload_media_once
from blog.live import payloads
from blog.models import Change, Entry, Media, Role
from blog.platform import db


def changes_of(entry_id: int, change_type: str) -> int:
    stmt = select(func.count()).where(Change.entry_id == entry_id, Change.type == change_type)
    return db.session.scalar(stmt.select_from(Change))


def send_item(client, blog, key: str) -> tuple[int, int, int, int]:
    """Everything the desk's outbox sends for one photo entry; the statuses and ids."""
    headers = {"X-CSRFToken": csrf_token(client, "/desk/")}
    entry = {"kind": "image", "source": "On stage now", "idempotency_key": key}
    posted = client.post(f"/desk/blogs/{blog.id}/entries", json=entry, headers=headers)
    uploaded = desk_upload(client, blog, camera_jpeg(), idempotency_key=key)
    entry_id, media_id = posted.get_json()["id"], uploaded.get_json()["id"]
    attached = client.post(
        f"/desk/entries/{entry_id}/media", json={"media_id": media_id}, headers=headers
    )
    assert attached.status_code == 200, attached.get_json()
    return posted.status_code, uploaded.status_code, entry_id, media_id


def test_an_outbox_item_sent_twice_makes_one_entry_one_photo_and_one_attach(
    app, client, blog, reporter
):
    login(client, reporter)
    key = uuid.uuid4().hex
    first = send_item(client, blog, key)
    files = media_files(app)
    again = send_item(client, blog, key)  # every answer was lost on the hall's Wi-Fi
    assert first[:2] == (201, 201) and again[:2] == (200, 200)
    assert again[2:] == first[2:]
    assert media_count() == 1 and media_files(app) == files
    entry = db.session.get(Entry, first[2])
    assert entry.media_id == first[3] and entry.version == 2
    assert changes_of(entry.id, payloads.ENTRY_EDITED) == 1


def test_the_api_honours_the_idempotency_key_header(client, blog, reporter):
    headers = {**api_headers(reporter), "Idempotency-Key": "api-upload-0001"}
    answers = [
        client.post(
            "/api/v1/media",
            data={"file": (io.BytesIO(text_png()), "p.png"), "blog_id": str(blog.id), "alt": "A"},
            headers=headers,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 200]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert media_count() == 1


def test_keys_belong_to_one_uploader(blog, reporter, make_user):
    colleague = make_user(Role.REPORTER, events=[blog.event])
    for user in (reporter, colleague):
        upload_media_once(user, blog.event_id, io.BytesIO(text_png()), "Booth", key="shared-key-1")
    assert media_count() == 2


def test_a_malformed_or_foreign_key_is_refused_and_stores_nothing(
    app, client, blog, reporter, make_blog
):
    login(client, reporter)
    bad = desk_upload(client, blog, camera_jpeg(), idempotency_key="no spaces/allowed")
    assert bad.status_code == 422 and "idempotency_key" in bad.get_json()["fields"]
    assert media_count() == 0 and media_files(app) == []
    other = make_blog()
    actions.assign_user(reporter, other.event)
    assert desk_upload(client, blog, text_png(), idempotency_key="used-once-1").status_code == 201
    reused = desk_upload(client, other, text_png(), idempotency_key="used-once-1")
    assert reused.status_code == 422 and "another event" in reused.get_json()["error"]
    assert media_count() == 1


class RetryDuringRead(io.BytesIO):
    """A file whose first read lets a retry of the same upload finish first (a real race)."""

    def __init__(self, data: bytes, retry):
        super().__init__(data)
        self.retry = retry

    def read(self, size: int = -1) -> bytes:
        retry, self.retry = self.retry, None
        if retry is not None:
            retry()
        return super().read(size)


def test_a_concurrent_retry_gets_the_winners_photo_and_leaves_no_files(app, blog, reporter):
    key = "raced-upload-1"
    won = []

    def retry():
        won.append(upload_media_once(reporter, blog.event_id, io.BytesIO(text_png()), "A", key=key))

    photo, created = upload_media_once(
        reporter, blog.event_id, RetryDuringRead(camera_jpeg(), retry), "A", key=key
    )
    assert not created and won[0][1] and photo.id == won[0][0].id
    assert media_count() == 1
    assert {f.name for f in media_files(app)} == {v["file"] for v in photo.variants}


def test_the_database_refuses_a_second_photo_under_one_key(app, blog, reporter):
    upload_media_once(reporter, blog.event_id, io.BytesIO(text_png()), "A", key="only-once-1")
    first = db.session.scalars(select(Media)).one()
    twin = Media(
        event_id=first.event_id,
        uploader_id=first.uploader_id,
        storage_key="another-storage-key",
        content_type=first.content_type,
        width=1,
        height=1,
        variants=[],
        upload_key="only-once-1",
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
