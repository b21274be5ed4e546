"""Socket events served in the app's context alone: a reader's connect, follow and close.

Flask-SocketIO runs each event inside a request context built from the
socket's handshake environ: a Request object, its wrapper and a copy of the
session, Flask's signals and teardowns. Even made light
(blog/platform/socket_context.py), that and what came with it were a fifth of
a reconnect's instructions (docs/performance.md, *Reconnects without the
request*). The events every reader sends (connect, hello, follow, unfollow,
the hub's follows, and the close) read nothing of a request but which socket
they came on, its handshake environ and, at connect, a logged-in user's
session cookie. They are registered on python-socketio's
server directly and run in an app context, with their socket in a context
variable (blog/platform/extensions.py). Events that read the session afterwards
(desks, review queues) keep Flask-SocketIO's request context.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import socketio as socketio_lib
from flask import Flask, current_app, has_app_context

from blog.live import engine_socket
from blog.platform.extensions import SocketEvent, enter_light_event, leave_light_event

NAMESPACE = "/"


def on_event(server: socketio_lib.Server, name: str, handler: Callable) -> None:
    """Serve the event called name with handler(*args), in an app context.

    For "disconnect", python-socketio passes the reason: handler(reason).
    """

    def light_event(sid: str, *args):
        environ = server.get_environ(sid, namespace=NAMESPACE)
        if environ is None:
            return None  # the socket closed while its event waited
        return _run(environ, SocketEvent(sid, NAMESPACE, environ), handler, args)

    server.on(name, light_event, namespace=NAMESPACE)


def on_connect(server: socketio_lib.Server, handler: Callable) -> None:
    """Serve connect with handler(auth); returning False refuses the connection."""

    def light_connect(sid: str, environ: dict, auth=None):
        return _run(environ, SocketEvent(sid, NAMESPACE, environ), handler, (auth,))

    server.on("connect", light_connect, namespace=NAMESPACE)


def serve_batches_in_app_context(server: socketio_lib.Server) -> None:
    """Handle the messages of one read in one app context: each event then reuses it."""
    engine_socket.serve_batches_in(server.eio, lambda environ: _app_context(environ["flask.app"]))


def _run(environ: dict, event: SocketEvent, handler: Callable, args: tuple):
    token = enter_light_event(event)
    try:
        with _app_context(environ["flask.app"]):
            return handler(*args)
    finally:
        leave_light_event(token)


def _app_context(app: Flask):
    """The app's context, unless the caller is in it already (as Flask does for a request).

    Popping a context runs the app's teardowns, which would end the caller's
    database session: the Socket.IO test client runs events in the test's context.
    """
    # Flask types current_app as the app; it is a proxy to it.
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        return contextlib.nullcontext()
    return app.app_context()
