"""A Socket.IO event's request context: not routed, and its session is the socket's own."""

from __future__ import annotations

import weakref

from flask import session, url_for
from flask.ctx import RequestContext
from werkzeug.test import EnvironBuilder

from blog.platform.socket_context import URL_ADAPTERS_KEPT, SocketEventContext
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


def test_sockets_from_one_host_share_a_url_adapter(app):
    first, second = _environ("/socket.io/"), _environ("/socket.io/")
    other_host = EnvironBuilder(path="/socket.io/", base_url="http://other.test/").get_environ()
    with app.request_context(first) as one, app.request_context(second) as two:
        assert one.url_adapter is two.url_adapter
        assert url_for("readers.index") == "/"  # URLs are still built in an event
    with app.request_context(other_host) as three:
        assert three.url_adapter is not one.url_adapter
        assert url_for("readers.index", _external=True) == "http://other.test/"


def test_the_kept_url_adapters_are_bounded(app):
    for n in range(URL_ADAPTERS_KEPT + 5):
        environ = EnvironBuilder(path="/socket.io/", base_url=f"http://h{n}.test/").get_environ()
        with app.request_context(environ):
            pass
    assert len(app.extensions["showfloor_socket_url_adapters"]) == URL_ADAPTERS_KEPT


def test_a_socket_event_holds_on_to_no_request(app):
    environ = _environ("/socket.io/")
    with app.request_context(environ) as ctx:
        request = weakref.ref(ctx.request)
    del ctx
    assert request() is None  # nothing a socket keeps (its environ) refers to it
