"""Write actions: gapless seq in commit order, idempotent creates, revisions, conflicts."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from blog import actions
from blog.content import queries
from blog.models import Change, Entry, EntryRevision, EntryStatus
from blog.platform import db
from blog.platform.errors import Conflict, Forbidden, Invalid

WRITERS = 4
POSTS_EACH = 12


def _run_threads(app, target, count):
    """Run target(i) in count threads, each in its own app context; re-raise failures."""
    errors = []

    def wrapped(i):
        try:
            with app.app_context():
                target(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def _seqs(blog_id):
    return [c.seq for c in queries.changes_since(blog_id, 0, limit=10_000)]


def test_concurrent_publishes_get_gapless_seqs_visible_in_order(app, make_blog, editor):
    blog = make_blog()
    start = blog.last_seq
    done = threading.Event()
    prefixes_seen = []

    def post(i):
        for n in range(POSTS_EACH):
            data = actions.EntryInput(source=f"writer {i} post {n}")
            actions.post_entry(editor, blog.id, data, f"w{i}-n{n}-{uuid.uuid4().hex[:8]}")

    def watch():
        # A reader polling the stream must only ever see a gapless prefix:
        # seq N visible means every seq below N is visible too.
        with app.app_context():
            while not done.is_set():
                seqs = _seqs(blog.id)
                prefixes_seen.append(seqs == list(range(1, len(seqs) + 1)))
                db.session.remove()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _run_threads(app, post, WRITERS)
    finally:
        done.set()
        watcher.join(timeout=30)
    db.session.remove()  # forget this thread's cached rows; read what was committed
    total = start + WRITERS * POSTS_EACH
    assert _seqs(blog.id) == list(range(1, total + 1))
    assert queries.blog_by_id(blog.id).last_seq == total
    assert prefixes_seen and all(prefixes_seen)


def test_concurrent_retries_with_one_key_make_one_entry(app, make_blog, editor):
    blog = make_blog()
    key = uuid.uuid4().hex
    results = []

    def post(i):
        entry, created = actions.post_entry(editor, blog.id, actions.EntryInput(source="once"), key)
        results.append((entry.id, created))

    _run_threads(app, post, 6)
    db.session.remove()
    assert len({entry_id for entry_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_same_key_returns_first_entry_without_a_second_change(make_blog, editor):
    blog = make_blog()
    first, created = actions.post_entry(
        editor, blog.id, actions.EntryInput(source="a"), "key-00001"
    )
    again, created_again = actions.post_entry(
        editor, blog.id, actions.EntryInput(source="different text"), "key-00001"
    )
    assert created and not created_again
    assert again.id == first.id and again.source == "a"
    assert _seqs(blog.id)[-1] == queries.blog_by_id(blog.id).last_seq


def test_edit_keeps_a_revision_and_bumps_version(make_blog, make_entry, editor):
    entry = make_entry(make_blog(), source="Frist take")
    edited = actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="First take"))
    assert edited.version == 2 and edited.source == "First take"
    revs = db.session.scalars(select(EntryRevision).where(EntryRevision.entry_id == entry.id)).all()
    assert [(r.version, r.source) for r in revs] == [(1, "Frist take")]


def test_stale_edit_conflicts_and_changes_nothing(make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog, source="v1")
    actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="v2 by a colleague"))
    seq_before = queries.blog_by_id(blog.id).last_seq
    with pytest.raises(Conflict) as info:
        actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="my v2"))
    assert info.value.current["source"] == "v2 by a colleague"
    assert info.value.current["version"] == 2
    assert queries.entry_by_id(entry.id).source == "v2 by a colleague"
    assert queries.blog_by_id(blog.id).last_seq == seq_before


def test_retract_keeps_the_text_and_refuses_later_edits(make_blog, make_entry, editor):
    entry = make_entry(make_blog(), source="Wrong price")
    actions.retract_entry(editor, entry.id)
    stored = db.session.get(Entry, entry.id, populate_existing=True)
    assert stored.status == EntryStatus.RETRACTED and stored.source == "Wrong price"
    with pytest.raises(Invalid, match="retracted"):
        actions.edit_entry(editor, entry.id, stored.version, actions.EntryInput(source="x"))


def test_refused_post_writes_nothing(make_blog, make_user, make_event):
    blog = make_blog()
    outsider = make_user("reporter", events=[make_event()])
    with pytest.raises(Forbidden):
        actions.post_entry(outsider, blog.id, actions.EntryInput(source="hi"), "key-00002")
    with pytest.raises(Invalid):
        actions.post_entry(outsider, blog.id, actions.EntryInput(source=""), "bad key!")
    assert db.session.scalar(select(func.count()).select_from(Change)) == blog.last_seq
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_deactivated_user_cannot_write(make_blog, make_user):
    blog = make_blog()
    reporter = make_user("reporter", events=[blog.event])
    db.begin_write()
    db.session.get(type(reporter), reporter.id).active = False
    db.session.commit()
    with pytest.raises(Forbidden, match="not active"):
        actions.post_entry(reporter, blog.id, actions.EntryInput(source="hi"), "key-00003")


def test_reporter_may_not_touch_a_colleagues_entry(make_blog, make_user, make_entry):
    blog = make_blog()
    author = make_user("reporter", events=[blog.event])
    colleague = make_user("reporter", events=[blog.event])
    entry = make_entry(blog, author=author)
    with pytest.raises(Forbidden):
        actions.edit_entry(colleague, entry.id, 1, actions.EntryInput(source="mine now"))
    with pytest.raises(Forbidden):
        actions.retract_entry(colleague, entry.id)
    with pytest.raises(Forbidden):
        actions.pin_entry(author, entry.id)


def test_concurrent_edits_from_one_version_never_both_win(app, make_blog, make_entry, editor):
    entry = make_entry(make_blog(), source="v1")
    outcomes = []

    def edit(i):
        try:
            actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source=f"edit {i}"))
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    _run_threads(app, edit, 4)
    db.session.remove()
    assert sorted(outcomes) == ["conflict"] * 3 + ["saved"]
    assert queries.entry_by_id(entry.id).version == 2


def test_an_edit_that_changes_nothing_writes_nothing(make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog, source="Same words", tags=["5g"])
    seq = queries.blog_by_id(blog.id).last_seq
    same = actions.EntryInput(source="Same words", tags=["5g"])
    assert actions.edit_entry(editor, entry.id, 1, same).version == 1
    db.session.remove()
    assert queries.blog_by_id(blog.id).last_seq == seq
    assert db.session.scalar(select(func.count()).select_from(EntryRevision)) == 0
