"""The request context a Socket.IO event runs in: not routed, its session not opened again.

Flask-SocketIO runs every event inside `app.request_context(environ)`, with the
environ of the socket's handshake. A context built the usual way opens the
cookie session again, which Flask-SocketIO then replaces with its own copy
taken at connect, and routes the Socket.IO path through the URL map, where it
matches no view. That was about half of what a context cost, and the NotFound
kept on the request held a traceback: a reference cycle per event, left for the
garbage collector. A reconnect pays it twice (connect and follow), every reader
again at its 30 s head check. Here an event's context is not routed, and from
the second event on it starts with the session the socket's events already use.
"""

from __future__ import annotations

from flask import Flask
from flask.ctx import RequestContext

# Requests under this path reach Flask only as Socket.IO events: engine.io's
# middleware answers every HTTP request to it before Flask sees it.
SOCKETIO_PATH = "/socket.io"
# Where a socket's handshake environ keeps the session its events share.
EVENT_SESSION_KEY = "showfloor.event_session"


class SocketEventContext(RequestContext):
    """The request context of one Socket.IO event."""

    def match_request(self) -> None:
        """Leave the request unrouted: events have no view, and nothing reads a URL rule."""

    def __exit__(self, exc_type, exc_value, tb) -> None:
        """Keep the session this event used for the socket's next events, then pop."""
        # Flask-SocketIO swapped in the socket's own session while the event ran.
        self.request.environ[EVENT_SESSION_KEY] = self.session
        super().__exit__(exc_type, exc_value, tb)


class ShowfloorFlask(Flask):
    """Flask, with a lighter request context for Socket.IO events."""

    def request_context(self, environ: dict) -> RequestContext:
        """A Socket.IO event's context, or Flask's own for an HTTP request."""
        if not environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return super().request_context(environ)
        return SocketEventContext(self, environ, session=environ.get(EVENT_SESSION_KEY))
