"""A reconnect storm: readers following from the same seq share one read and one encoding."""

from __future__ import annotations

from datetime import timedelta

from conftest import statements_run

from blog import actions
from blog.content import queries
from blog.live import replays
from blog.platform.clock import utcnow
from blog.platform.extensions import socketio


def follow(sio, blog_id, since):
    """Follow a blog: the answer, less the reconnect window every follow's answer carries."""
    answer = sio.emit("follow", {"blog_id": blog_id, "since": since}, callback=True)
    answer.pop("reconnect_window_ms", None)
    return answer


def replayed(sio) -> list[dict]:
    """The change messages a reader got, in arrival order."""
    return [m["args"][0] for m in sio.get_received() if "seq" in m["args"][0]]


def test_readers_reconnecting_from_one_seq_share_one_read(app, make_blog, make_entry, reader):
    blog = make_blog()
    for n in range(4):
        make_entry(blog, source=f"Line {n} from the keynote")
    head = queries.blog_by_id(blog.id).last_seq
    since = head - 3
    first = reader()
    assert statements_run(app, lambda: follow(first, blog.id, since)) == 1
    expected = replayed(first)
    assert [m["seq"] for m in expected] == [since + 1, since + 2, head]
    for _ in range(20):
        sio = reader()
        acks = []
        assert statements_run(app, lambda s=sio, a=acks: a.append(follow(s, blog.id, since))) == 0
        assert acks == [{"ok": True, "last_seq": head}]
        assert replayed(sio) == expected


def test_a_retraction_after_a_kept_run_reaches_the_next_reader_as_a_tombstone(
    app, make_blog, make_entry, reader, editor
):
    blog = make_blog()
    doomed = make_entry(blog, source="Quokkalattice prices leak early")
    since = queries.blog_by_id(blog.id).last_seq - 1
    first = reader()
    follow(first, blog.id, since)
    assert "Quokkalattice" in str(replayed(first))
    actions.retract_entry(editor, doomed.id)
    later = reader()
    # The retraction moved the head: the kept run is not the answer any more.
    assert follow(later, blog.id, since)["last_seq"] == since + 2
    messages = replayed(later)
    assert "Quokkalattice" not in str(messages)
    assert [m.get("taken_down") for m in messages] == [True, True]


def test_a_kept_run_is_read_again_once_it_is_older_than_a_trusted_head(
    app, make_blog, make_entry, reader
):
    blog = make_blog()
    make_entry(blog)
    head = queries.blog_by_id(blog.id).last_seq
    assert statements_run(app, lambda: follow(reader(), blog.id, head - 1)) == 1
    later = utcnow() + timedelta(seconds=replays.KEEP_S + 1)
    app.config["CLOCK"] = lambda: later
    # The head and the run are both read again: one statement each.
    assert statements_run(app, lambda: follow(reader(), blog.id, head - 1)) == 2
    assert statements_run(app, lambda: follow(reader(), blog.id, head - 1)) == 0


def test_replays_to_one_reader_leave_no_head_behind_per_socket(
    app, make_event, make_blog, make_entry, reader
):
    event = make_event()
    blog = make_blog(event)
    make_entry(blog)
    for _ in range(5):
        sio = reader()
        follow(sio, blog.id, 0)
        sio.emit("follow_event", {"event_id": event.id, "since": 0}, callback=True)
    rooms = set(socketio.server.manager.heads.heads)
    assert rooms == {f"blog:{blog.id}", f"event:{event.id}"}


def test_the_kept_runs_stay_within_their_budget():
    cache = replays.ReplayCache()
    for since in range(30):
        cache.run((1, since, since + 100), lambda: list(range(100)))
    # The oldest runs went; the newest is kept and answered without a read.
    assert cache.run((1, 29, 129), lambda: []) == list(range(100))
    assert cache.run((1, 0, 100), lambda: ["read again"]) == ["read again"]
