"""Following a blog over Socket.IO: replay from a seq, then live; exact catch-up after a drop."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import dispose_app, statements_run

from blog import actions, create_app
from blog.content import queries
from blog.live import heads, push, replays
from blog.platform.clock import utcnow
from blog.platform.errors import DATABASE_RETRY_AFTER_S
from blog.platform.extensions import socketio


def received_changes(sio):
    """(seq, type, entry_id) of every change event the client got, in arrival order."""
    return [
        (m["args"][0]["seq"], m["name"], m["args"][0].get("entry_id"))
        for m in sio.get_received()
        if "seq" in m["args"][0]
    ]


def follow(sio, blog_id, since):
    """Follow a blog: the answer, less the reconnect window every follow's answer carries."""
    answer = sio.emit("follow", {"blog_id": blog_id, "since": since}, callback=True)
    answer.pop("reconnect_window_ms", None)
    return answer


def test_follow_from_zero_replays_the_whole_stream_in_order(make_blog, make_entry, reader):
    blog = make_blog()
    for n in range(5):
        make_entry(blog, source=f"entry {n}")
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    ack = sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    # The answer tells the page how to spread its reconnects: it sends no `hello`.
    assert ack == {"ok": True, "last_seq": head, "reconnect_window_ms": 5000}
    assert [seq for seq, _, _ in received_changes(sio)] == list(range(1, head + 1))


def test_reader_catches_up_exactly_after_a_dropped_connection(
    make_blog, make_entry, reader, editor
):
    blog = make_blog()
    kept = make_entry(blog, source="stays")
    doomed = make_entry(blog, source="will be retracted")
    sio = reader()
    follow(sio, blog.id, 0)
    held = received_changes(sio)[-1][0]
    sio.disconnect()  # Wi-Fi gone

    missed_new = make_entry(blog, source="posted while away")
    actions.edit_entry(editor, kept.id, kept.version, actions.EntryInput(source="stays, edited"))
    actions.retract_entry(editor, doomed.id)

    back = reader()
    follow(back, blog.id, held)
    assert received_changes(back) == [
        (held + 1, "entry_published", missed_new.id),
        (held + 2, "entry_edited", kept.id),
        (held + 3, "entry_retracted", doomed.id),
    ]
    # Live changes keep flowing after the replay, with the next seq.
    later = make_entry(blog, source="after reconnect")
    assert received_changes(back) == [(held + 4, "entry_published", later.id)]


def test_reader_that_never_got_an_event_catches_up_from_its_page(
    client, make_blog, make_entry, reader
):
    blog = make_blog()
    make_entry(blog, source="before the page")
    page = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    page_seq = int(re.search(r'data-seq="(\d+)"', page).group(1))
    assert page_seq == queries.blog_by_id(blog.id).last_seq

    after = make_entry(blog, source="after the page rendered")
    sio = reader()
    follow(sio, blog.id, page_seq)
    assert received_changes(sio) == [(page_seq + 1, "entry_published", after.id)]


def test_http_cursor_returns_the_same_changes_as_the_socket(
    client, make_blog, make_entry, reader, editor
):
    blog = make_blog()
    entry = make_entry(blog)
    actions.pin_entry(editor, entry.id)
    actions.retract_entry(editor, entry.id)
    sio = reader()
    follow(sio, blog.id, 1)
    over_socket = [m["args"][0] for m in sio.get_received()]
    body = client.get(f"/api/v1/blogs/{blog.id}/changes?since=1").get_json()
    assert body["changes"] == over_socket
    assert body["last_seq"] == queries.blog_by_id(blog.id).last_seq
    assert body["more"] is False


def test_following_at_the_head_replays_nothing(make_blog, make_entry, reader):
    blog = make_blog()
    make_entry(blog)
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    assert follow(sio, blog.id, head) == {"ok": True, "last_seq": head}
    assert sio.get_received() == []


def test_refollowing_is_the_periodic_head_check(make_blog, make_entry, reader):
    blog = make_blog()
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    follow(sio, blog.id, head)
    # Suppose the live push of this entry was lost on the way (a queue drop):
    # the client's periodic re-follow from the seq it holds delivers it.
    entry = make_entry(blog)
    sio.get_received()
    follow(sio, blog.id, head)
    assert received_changes(sio) == [(head + 1, "entry_published", entry.id)]


def test_a_client_ahead_of_the_server_is_told_the_real_head(make_blog, reader):
    blog = make_blog()
    head = queries.blog_by_id(blog.id).last_seq
    assert follow(reader(), blog.id, head + 50) == {"ok": True, "last_seq": head}


def test_bad_follow_requests_are_refused(make_blog, reader):
    sio = reader()
    for bad in [None, "x", {"blog_id": "1", "since": 0}, {"blog_id": 1, "since": -1}]:
        ack = sio.emit("follow", bad, callback=True)
        assert ack["ok"] is False and ack["error"]
    assert follow(sio, 999_999, 0) == {"ok": False, "error": "no such blog"}


def test_a_retraction_takes_the_words_out_of_every_replay(client, make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog, source="A leaked price that must come down")
    actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="Still leaked"))
    actions.retract_entry(editor, entry.id)
    body = client.get(f"/api/v1/blogs/{blog.id}/changes?since=0").get_data(as_text=True)
    assert "leaked" not in body
    changes = client.get(f"/api/v1/blogs/{blog.id}/changes?since=0").get_json()["changes"]
    assert [c["type"] for c in changes][-3:] == [
        "entry_published",
        "entry_edited",
        "entry_retracted",
    ]
    mine = [c for c in changes if c.get("entry_id") == entry.id]
    assert all(c["taken_down"] is True and "html" not in c for c in mine)


def test_a_reader_far_behind_is_told_to_reload(make_blog, make_entry, reader, monkeypatch):
    blog = make_blog()
    for n in range(4):
        make_entry(blog, source=f"entry {n}")
    head = queries.blog_by_id(blog.id).last_seq
    monkeypatch.setattr("blog.live.handlers.MAX_REPLAY", 2)
    sio = reader()
    assert follow(sio, blog.id, 0) == {"ok": True, "last_seq": head, "reload": True}
    assert sio.get_received() == []
    assert follow(sio, blog.id, head - 2)["ok"] is True
    assert len(received_changes(sio)) == 2


def test_follow_refuses_booleans_for_numbers(make_blog, reader):
    sio = reader()
    for bad in [{"blog_id": True, "since": 0}, {"blog_id": 1, "since": False}]:
        assert sio.emit("follow", bad, callback=True)["ok"] is False


def test_a_follow_at_the_head_runs_no_sql(app, make_blog, make_entry, reader):
    blog = make_blog()
    make_entry(blog)
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    acks = []
    # The 30 s head check of thousands of readers: memory, not the database.
    assert statements_run(app, lambda: acks.append(follow(sio, blog.id, head))) == 0
    assert acks == [{"ok": True, "last_seq": head}]
    assert sio.get_received() == []


def test_a_reader_far_behind_is_replayed_in_order_from_one_query(
    app, make_blog, make_entry, reader
):
    blog = make_blog()
    for n in range(replays.MAX_RUN + 1):  # past what readers share: read for this reader alone
        make_entry(blog, source=f"entry {n}")
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    acks = []
    # The replay reads a page at a time, yielding in between, from one query.
    assert statements_run(app, lambda: acks.append(follow(sio, blog.id, 0))) == 1
    assert acks == [{"ok": True, "last_seq": head}]
    assert [seq for seq, _, _ in received_changes(sio)] == list(range(1, head + 1))


def test_a_head_that_arrived_from_another_process_serves_follows(app, make_blog, reader):
    blog = make_blog()
    head = queries.blog_by_id(blog.id).last_seq
    # What the queue listener hands this process's manager for a change posted elsewhere.
    message = {"blog_id": blog.id, "seq": head + 1, "type": "entry_published", "entry_id": 7}
    socketio.server.manager.emit("entry_published", message, "/", room=push.blog_room(blog.id))
    acks = []
    assert statements_run(app, lambda: acks.append(follow(reader(), blog.id, head + 1))) == 0
    assert acks == [{"ok": True, "last_seq": head + 1}]


def test_a_stale_or_overtaken_head_is_read_again(app, make_blog, make_entry, reader):
    blog = make_blog()
    make_entry(blog)
    head = queries.blog_by_id(blog.id).last_seq
    sio = reader()
    # Ahead of what this process saw: only the database can say.
    assert statements_run(app, lambda: follow(sio, blog.id, head + 5)) == 1
    later = utcnow() + timedelta(seconds=heads.FRESH_S + 1)
    app.config["CLOCK"] = lambda: later
    # A head not confirmed for FRESH_S may have missed a lost push: read it again.
    assert statements_run(app, lambda: follow(sio, blog.id, head)) == 1
    assert statements_run(app, lambda: follow(sio, blog.id, head)) == 0


def test_a_follow_the_database_cannot_serve_says_when_to_retry_and_joins_nothing(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}",
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "CHECK_SCHEMA": False,
            "READERS_COUNT": False,
        }
    )
    sio = socketio.test_client(app)
    try:
        unavailable = {
            "ok": False,
            "error": "temporarily unavailable; retry",
            "retry_after": DATABASE_RETRY_AFTER_S,
        }
        assert follow(sio, 1, 1) == unavailable
        event_answer = sio.emit("follow_event", {"event_id": 1, "since": 1}, callback=True)
        assert event_answer == {**unavailable, "reconnect_window_ms": 5000}
        members = socketio.server.manager.rooms.get("/", {})
        assert not members.get(push.blog_room(1)) and not members.get(push.event_room(1))
    finally:
        sio.disconnect()
        dispose_app(app)
