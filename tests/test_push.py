"""Every wire event reaches the right room exactly once, and no other room."""

from __future__ import annotations

import pytest

from blog import actions
from blog.models import BlogStatus


def events_named(sio, name):
    return [m for m in sio.get_received() if m["name"] == name]


def follow(sio, blog, since=None):
    ack = sio.emit(
        "follow",
        {"blog_id": blog.id, "since": blog.last_seq if since is None else since},
        callback=True,
    )
    assert ack["ok"], ack
    sio.get_received()  # drop any replay; the test looks at what follows
    return ack


@pytest.fixture
def two_rooms(make_blog, reader):
    blog, other = make_blog(), make_blog()
    mine, theirs = reader(), reader()
    follow(mine, blog)
    follow(theirs, other)
    return blog, mine, theirs


def _assert_one(mine, theirs, name, blog):
    received = mine.get_received()
    assert [m["name"] for m in received] == [name]
    payload = received[0]["args"][0]
    assert payload["blog_id"] == blog.id and payload["type"] == name
    assert theirs.get_received() == []
    return payload


def test_entry_published(two_rooms, make_entry):
    blog, mine, theirs = two_rooms
    entry = make_entry(blog, source="Hello **floor**")
    payload = _assert_one(mine, theirs, "entry_published", blog)
    assert payload["entry_id"] == entry.id
    assert "<strong>floor</strong>" in payload["html"]
    assert payload["status"] == "published"


def test_entry_edited(two_rooms, make_entry, editor):
    blog, mine, theirs = two_rooms
    entry = make_entry(blog)
    mine.get_received()
    actions.edit_entry(editor, entry.id, entry.version, actions.EntryInput(source="Fixed"))
    payload = _assert_one(mine, theirs, "entry_edited", blog)
    assert payload["version"] == 2 and "Fixed" in payload["html"]


def test_entry_retracted(two_rooms, make_entry, editor):
    blog, mine, theirs = two_rooms
    entry = make_entry(blog)
    mine.get_received()
    actions.retract_entry(editor, entry.id)
    payload = _assert_one(mine, theirs, "entry_retracted", blog)
    assert payload["taken_down"] is True and "html" not in payload


def test_entry_pinned_and_unpinned(two_rooms, make_entry, editor):
    blog, mine, theirs = two_rooms
    entry = make_entry(blog)
    mine.get_received()
    actions.pin_entry(editor, entry.id)
    assert _assert_one(mine, theirs, "entry_pinned", blog)["pinned"] is True
    actions.pin_entry(editor, entry.id, False)
    assert _assert_one(mine, theirs, "entry_unpinned", blog)["pinned"] is False


def test_pinning_a_second_entry_unpins_the_first(two_rooms, make_entry, editor):
    blog, mine, theirs = two_rooms
    first, second = make_entry(blog), make_entry(blog)
    actions.pin_entry(editor, first.id)
    mine.get_received()
    actions.pin_entry(editor, second.id)
    received = [(m["name"], m["args"][0]["entry_id"]) for m in mine.get_received()]
    assert received == [("entry_unpinned", first.id), ("entry_pinned", second.id)]
    assert theirs.get_received() == []


def test_entry_key_changed(two_rooms, make_entry, editor):
    blog, mine, theirs = two_rooms
    entry = make_entry(blog)
    mine.get_received()
    actions.mark_key_entry(editor, entry.id, True)
    payload = _assert_one(mine, theirs, "entry_key_changed", blog)
    assert payload["key"] is True and "Key moment" in payload["html"]


def test_blog_status_changed(two_rooms, editor):
    blog, mine, theirs = two_rooms
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    assert _assert_one(mine, theirs, "blog_status_changed", blog)["status"] == "ended"


def test_unfollow_stops_delivery(two_rooms, make_entry):
    blog, mine, theirs = two_rooms
    assert mine.emit("unfollow", {"blog_id": blog.id}, callback=True) == {"ok": True}
    make_entry(blog)
    assert mine.get_received() == []


def test_contributor_entry_is_not_pushed(two_rooms, make_user, make_entry):
    blog, mine, theirs = two_rooms
    contributor = make_user("contributor", events=[blog.event])
    entry = make_entry(blog, author=contributor)
    assert entry.status.value == "pending"
    assert mine.get_received() == [] and theirs.get_received() == []
