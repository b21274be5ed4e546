"""A Socket.IO event's request context: not routed, and its session is the socket's own."""

from __future__ import annotations

import pytest
from flask import session, url_for
from flask.ctx import RequestContext
from werkzeug.test import EnvironBuilder

from blog.platform.extensions import socketio
from blog.platform.socket_context import EVENT_REQUEST_KEY, SocketEventContext
from tests.conftest import login


def _environ(path: str, cookie: str = "") -> dict:
    headers = {"Cookie": cookie} if cookie else {}
    return EnvironBuilder(path=path, headers=headers).get_environ()


def test_an_http_request_gets_flasks_own_context_and_is_routed(app):
    ctx = app.request_context(_environ("/no-such-page"))
    assert type(ctx) is RequestContext
    with ctx:
        assert ctx.request.routing_exception is not None  # a 404, as before


def test_a_socket_event_is_not_routed(app):
    ctx = app.request_context(_environ("/socket.io/"))
    assert isinstance(ctx, SocketEventContext)
    with ctx:
        assert ctx.request.routing_exception is None
        assert ctx.request.url_rule is None


def test_later_events_start_from_the_session_the_first_event_used(app, client, reporter):
    login(client, reporter)
    cookie = client.get_cookie("session")
    assert cookie is not None
    environ = _environ("/socket.io/", cookie=f"session={cookie.value}")
    with app.request_context(environ):
        first = session._get_current_object()
        assert first.get("uid") == reporter.id
    # A later event does not read the cookie again: the socket's session was
    # taken at connect, even if the handshake's cookie no longer verifies.
    environ["HTTP_COOKIE"] = "session=tampered"
    with app.request_context(environ):
        assert session._get_current_object() is first


def test_a_logged_in_socket_keeps_its_account_across_events(client, editor, blog, reader):
    login(client, editor)
    desk, anonymous = reader(client), reader()
    # connect was the first event; each of these runs on the session it left.
    for _ in range(3):
        ack = desk.emit("review_follow", {"event_id": blog.event_id}, callback=True)
        assert ack == {"ok": True}
    refused = anonymous.emit("review_follow", {"event_id": blog.event_id}, callback=True)
    assert refused["ok"] is False


def _event(ctx, message: str) -> None:
    """Mark the context's request as Flask-SocketIO does for each event."""
    ctx.request.event = {"message": message, "args": ()}


def test_later_events_reuse_the_first_events_request_and_url_adapter(app):
    environ = _environ("/socket.io/")
    with app.request_context(environ) as first:
        _event(first, "connect")
    with app.request_context(environ) as later:
        _event(later, "follow")
        assert later.request is first.request
        assert later.url_adapter is first.url_adapter
        assert url_for("readers.index") == "/"  # URLs are still built in an event


def test_a_disconnect_lets_go_of_the_request_so_no_cycle_outlives_the_socket(app):
    environ = _environ("/socket.io/")
    for message in ("connect", "follow", "disconnect"):
        with app.request_context(environ) as ctx:
            _event(ctx, message)
    assert EVENT_REQUEST_KEY not in environ


def test_a_refused_connect_lets_go_of_the_request(app):
    environ = _environ("/socket.io/")
    with pytest.raises(ConnectionRefusedError), app.request_context(environ) as ctx:
        _event(ctx, "connect")
        raise ConnectionRefusedError("refused")
    assert EVENT_REQUEST_KEY not in environ


def test_a_real_sockets_events_share_one_request_until_it_disconnects(app, blog, reader):
    sio = reader()
    sid = sio.eio_sid
    environ = socketio.server.environ[sid]
    first = environ[EVENT_REQUEST_KEY]
    ack = sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    assert ack["ok"] is True
    assert environ[EVENT_REQUEST_KEY] is first
    sio.disconnect()
    assert EVENT_REQUEST_KEY not in environ
