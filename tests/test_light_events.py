"""A reader's socket events run in the app's context alone (blog/live/light_events.py).

The Socket.IO test client drives the real server object. The app's
request_context is watched, not replaced: every call still builds the real
context, and the test counts how many a reader's events asked for.
"""

from __future__ import annotations

import pytest

from blog.live import socket_auth
from blog.platform import extensions
from tests.conftest import login


@pytest.fixture
def request_contexts(app, monkeypatch):
    """The paths of the request contexts the app builds from here on."""
    built: list[str] = []
    build = app.request_context

    def watched(environ):
        built.append(environ.get("PATH_INFO", ""))
        return build(environ)

    monkeypatch.setattr(app, "request_context", watched)
    return built


def test_a_readers_connect_follows_and_close_build_no_request_context(
    reader, blog, make_entry, request_contexts
):
    make_entry(blog, source="One")
    make_entry(blog, source="Two")
    sio = reader()
    assert sio.emit("hello", callback=True)["reconnect_window_ms"] > 0
    ack = sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    assert ack["ok"] is True and ack["last_seq"] >= 2
    replayed = [m for m in sio.get_received() if "seq" in m["args"][0]]
    assert [m["args"][0]["seq"] for m in replayed] == list(range(1, ack["last_seq"] + 1))
    hub = sio.emit("follow_event", {"event_id": blog.event_id, "since": 0}, callback=True)
    assert hub["ok"] is True
    assert sio.emit("unfollow", {"blog_id": blog.id}, callback=True) == {"ok": True}
    assert sio.emit("unfollow_event", {"event_id": blog.event_id}, callback=True) == {"ok": True}
    sio.disconnect()
    assert request_contexts == []


def test_events_that_read_the_session_still_get_a_request_context(
    client, editor, blog, reader, request_contexts
):
    login(client, editor)
    request_contexts.clear()
    desk = reader(client)
    assert desk.emit("review_follow", {"event_id": blog.event_id}, callback=True) == {"ok": True}
    assert request_contexts == ["/socket.io"]


def test_a_logged_in_socket_is_known_by_its_account_from_connect(client, editor, reader):
    login(client, editor)
    desk, anonymous = reader(client), reader()
    assert socket_auth.sids_of(editor.id) == {_sid_of(desk)}
    assert _sid_of(anonymous) not in socket_auth.sids_of(editor.id)
    desk.disconnect()
    assert socket_auth.sids_of(editor.id) == set()


def test_the_event_is_forgotten_once_its_handler_returns(reader, blog):
    sio = reader()
    sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    assert extensions._LIGHT_EVENT.get() is None
    with pytest.raises(RuntimeError):
        extensions.current_sid()  # outside any event: no socket to name


def _sid_of(test_client) -> str:
    """The Socket.IO sid of a test client's connection to the default namespace."""
    return extensions.socket_server().manager.sid_from_eio_sid(test_client.eio_sid, "/")
