"""Drafts, scheduled entries and embargoed batches, released by an injected clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from blog import actions
from blog.content import queries
from blog.models import BlogStatus, EntryStatus
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(app):
    """A settable clock the actions read instead of the wall clock."""
    state = {"now": T0}
    app.config["CLOCK"] = lambda: state["now"]
    return state


def post(user, blog, text, placement=None, **fields):
    data = actions.EntryInput(source=text, **fields)
    entry, _ = actions.post_entry(user, blog.id, data, uuid.uuid4().hex, placement)
    return entry


def seq_of(blog):
    return queries.blog_by_id(blog.id).last_seq


def follow(reader, blog):
    sio = reader()
    sio.emit("follow", {"blog_id": blog.id, "since": seq_of(blog)}, callback=True)
    return sio


def test_a_draft_is_private_until_published(clock, make_blog, editor, reader):
    blog = make_blog()
    sio = follow(reader, blog)
    before = seq_of(blog)
    draft = post(editor, blog, "Not yet", actions.Placement(mode="draft"))
    assert draft.status == EntryStatus.DRAFT and seq_of(blog) == before
    assert sio.get_received() == []
    clock["now"] = T0 + timedelta(minutes=3)
    published = actions.publish_entry(editor, draft.id)
    assert published.status == EntryStatus.PUBLISHED and published.published_at == clock["now"]
    assert [m["name"] for m in sio.get_received()] == ["entry_published"]


def test_scheduled_entry_goes_out_when_the_clock_reaches_it(clock, make_blog, editor, reader):
    blog = make_blog()
    at = T0 + timedelta(minutes=30)
    entry = post(editor, blog, "Prices at 09:30", actions.Placement(mode="schedule", publish_at=at))
    sio = follow(reader, blog)
    clock["now"] = at - timedelta(seconds=1)
    assert actions.release_due() == 0
    assert sio.get_received() == []
    clock["now"] = at
    assert actions.release_due() == 1
    received = sio.get_received()
    assert [(m["name"], m["args"][0]["entry_id"]) for m in received] == [
        ("entry_published", entry.id)
    ]
    assert actions.release_due() == 0  # never twice


def test_scheduling_in_the_past_is_refused_and_nothing_written(clock, make_blog, editor):
    blog = make_blog()
    before = seq_of(blog)
    with pytest.raises(Invalid, match="already passed"):
        post(editor, blog, "late", actions.Placement(mode="schedule", publish_at=T0))
    assert queries.published_entries(blog)[0] == [] and seq_of(blog) == before


def test_embargoed_batch_is_released_in_order_by_one_action(clock, make_blog, editor, reader):
    blog = make_blog()
    batch = actions.create_batch(editor, blog.id, "Fold 3 launch")
    texts = ["Price: €1,099", "Screen: 7.9 inch", "Battery: 4,800 mAh"]
    ids = [
        post(editor, blog, t, actions.Placement(mode="batch", batch_id=batch.id)).id for t in texts
    ]
    sio = follow(reader, blog)
    assert queries.published_entries(blog)[0] == []
    released = actions.release_batch(editor, batch.id)
    assert [e.id for e in released] == ids
    got = [(m["args"][0]["seq"], m["args"][0]["entry_id"]) for m in sio.get_received()]
    start = got[0][0]
    assert got == [(start + n, entry_id) for n, entry_id in enumerate(ids)]
    with pytest.raises(Invalid, match="already released"):
        actions.release_batch(editor, batch.id)


def test_batch_with_a_release_time_goes_out_on_the_clock(clock, make_blog, editor):
    blog = make_blog()
    at = T0 + timedelta(hours=1)
    batch = actions.create_batch(editor, blog.id, "Embargo 10:00", release_at=at)
    post(editor, blog, "Spec sheet", actions.Placement(mode="batch", batch_id=batch.id))
    clock["now"] = at
    assert actions.release_due() == 1
    assert len(queries.published_entries(blog)[0]) == 1


def test_contributors_cannot_schedule(clock, make_blog, make_user):
    blog = make_blog()
    contributor = make_user("contributor", events=[blog.event])
    later = actions.Placement(mode="schedule", publish_at=T0 + timedelta(hours=1))
    with pytest.raises(Forbidden):
        post(contributor, blog, "sneaky", later)


def test_drafts_can_be_prepared_before_the_blog_goes_live(clock, make_blog, editor):
    blog = make_blog(status=BlogStatus.SCHEDULED)
    draft = post(editor, blog, "Ready for 10:00", actions.Placement(mode="draft"))
    edited = actions.edit_entry(editor, draft.id, 1, actions.EntryInput(source="Ready at 10:00"))
    assert edited.version == 2
    with pytest.raises(Invalid, match="not live"):
        actions.publish_entry(editor, draft.id)


def test_correction_note_is_shown_to_readers(clock, make_blog, make_entry, editor, reader):
    blog = make_blog()
    entry = make_entry(blog, source="Price: €1,199")
    sio = follow(reader, blog)
    fix = actions.EntryInput(source="Price: €1,099", correction_note="Corrected the price.")
    actions.edit_entry(editor, entry.id, entry.version, fix)
    html = sio.get_received()[0]["args"][0]["html"]
    assert "Correction:" in html and "Corrected the price." in html
    db.session.remove()
