"""The HTTP change cursor is cacheable for a second by any cache, and revalidates to 304."""

from __future__ import annotations

import pytest
from conftest import api_headers, statements_run
from limits_support import clock_fixture  # noqa: F401

from blog import actions


@pytest.fixture
def cursors(make_event, make_blog, make_entry, editor):
    """A live blog with one entry and its event: (blog cursor path, event cursor path, blog)."""
    event = make_event(name="Frontier Expo")
    blog = make_blog(event)
    make_entry(blog, source="Doors open.")
    return f"/api/v1/blogs/{blog.id}/changes", f"/api/v1/events/{event.id}/changes", blog


def edit_the_hub(editor, blog) -> None:
    """One more change on both streams: a blog entry and a hub summary."""
    actions.post_entry(editor, blog.id, actions.EntryInput(source="Keynote *on*."), "keynote-on-1")
    actions.set_hub_summary(editor, blog.event_id, "Keynote at ten.")


@pytest.mark.parametrize("which", [0, 1], ids=["blog", "event"])
def test_a_cursor_answer_may_be_shared_for_a_second_and_revalidates(client, cursors, editor, which):
    path = cursors[which] + "?since=0"
    first = client.get(path)
    assert first.status_code == 200 and first.json["changes"]
    assert first.headers["Cache-Control"] == "public, max-age=1"
    # The same answer for everyone: nothing a shared cache would have to key on.
    assert "Set-Cookie" not in first.headers and "Cookie" not in first.headers.get("Vary", "")
    etag = first.headers["ETag"]
    same = client.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert same.headers["ETag"] == etag
    assert same.headers["Cache-Control"] == "public, max-age=1"
    edit_the_hub(editor, cursors[2])
    newer = client.get(path, headers={"If-None-Match": etag})
    assert newer.status_code == 200 and newer.headers["ETag"] != etag
    assert newer.json["last_seq"] > first.json["last_seq"]


def test_each_since_is_its_own_answer(client, cursors, editor):
    path = cursors[0]
    edit_the_hub(editor, cursors[2])
    head = client.get(path).json["last_seq"]
    at_zero, at_head = client.get(path + "?since=0"), client.get(f"{path}?since={head}")
    assert at_zero.headers["ETag"] != at_head.headers["ETag"]
    assert at_head.json["changes"] == [] and len(at_zero.json["changes"]) == head


def test_a_token_holder_gets_the_answer_everyone_gets(app, client, cursors, editor):
    path = cursors[0] + "?since=0"
    anonymous = client.get(path)
    with_token = app.test_client().get(path, headers=api_headers(editor))
    assert with_token.headers["ETag"] == anonymous.headers["ETag"]
    assert with_token.headers["Cache-Control"] == "public, max-age=1"


def test_in_the_window_the_cursor_is_answered_from_memory_until_a_change(
    app, client, cursors, editor, clock
):
    path = cursors[0] + "?since=1"
    etag = client.get(path).headers["ETag"]
    got = []
    assert statements_run(app, lambda: got.append(client.get(path))) == 0
    revalidate = {"If-None-Match": etag}
    assert statements_run(app, lambda: got.append(client.get(path, headers=revalidate))) == 0
    assert [g.status_code for g in got] == [200, 304]
    edit_the_hub(editor, cursors[2])
    fresh = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json["changes"][0]["seq"] == 2


def test_a_bad_since_is_refused_and_not_cached(client, cursors):
    for _ in range(2):
        refused = client.get(cursors[0] + "?since=-1")
        assert refused.status_code == 422
        assert refused.json["error"] == "since must be a non-negative integer seq."
        assert "max-age" not in refused.headers.get("Cache-Control", "")
