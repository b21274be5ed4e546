"""The request context a Socket.IO event runs in: not routed, its session not opened again.

Flask-SocketIO runs every event inside `app.request_context(environ)`, with the
environ of the socket's handshake. A context built the usual way opens the
cookie session again, which Flask-SocketIO then replaces with its own copy
taken at connect, and routes the Socket.IO path through the URL map, where it
matches no view. That was about half of what a context cost, and the NotFound
kept on the request held a traceback: a reference cycle per event, left for the
garbage collector. A reconnect pays it twice (connect and follow), every reader
again at its 30 s head check. Here an event's context is not routed, and from
the second event on it starts with the session, the request object and the URL
adapter the socket's first event built: the environ is the handshake's for the
socket's whole life, so building them again from it gives the same thing.
"""

from __future__ import annotations

from flask import Flask
from flask.ctx import RequestContext

# Requests under this path reach Flask only as Socket.IO events: engine.io's
# middleware answers every HTTP request to it before Flask sees it.
SOCKETIO_PATH = "/socket.io"
# Where a socket's handshake environ keeps the session its events share.
EVENT_SESSION_KEY = "showfloor.event_session"
# Where it keeps the request object and URL adapter its events share.
EVENT_REQUEST_KEY = "showfloor.event_request"
EVENT_URL_ADAPTER_KEY = "showfloor.event_url_adapter"


class SocketEventContext(RequestContext):
    """The request context of one Socket.IO event."""

    def match_request(self) -> None:
        """Leave the request unrouted: events have no view, and nothing reads a URL rule."""

    def __exit__(self, exc_type, exc_value, tb) -> None:
        """Keep what this event built for the socket's next events, then pop."""
        environ = self.request.environ
        if _is_last_event(self.request, exc_type):
            # The request refers to the environ: leaving it there would make a
            # reference cycle that outlives the socket until the collector runs.
            environ.pop(EVENT_REQUEST_KEY, None)
        else:
            environ[EVENT_REQUEST_KEY] = self.request
            environ[EVENT_URL_ADAPTER_KEY] = self.url_adapter
        # Flask-SocketIO swapped in the socket's own session while the event ran.
        environ[EVENT_SESSION_KEY] = self.session
        super().__exit__(exc_type, exc_value, tb)


def _is_last_event(request, exc_type) -> bool:
    """Tell whether no event of this socket follows: its disconnect, or a refused connect."""
    event = getattr(request, "event", None) or {}
    message = event.get("message")
    return message == "disconnect" or (message == "connect" and exc_type is not None)


class ShowfloorFlask(Flask):
    """Flask, with a lighter request context for Socket.IO events."""

    def request_context(self, environ: dict) -> RequestContext:
        """A Socket.IO event's context, or Flask's own for an HTTP request."""
        if not environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return super().request_context(environ)
        return SocketEventContext(
            self,
            environ,
            request=environ.get(EVENT_REQUEST_KEY),
            session=environ.get(EVENT_SESSION_KEY),
        )

    def create_url_adapter(self, request):
        """The URL adapter a socket's first event built, or a new one as Flask makes it."""
        if request is not None:
            adapter = request.environ.get(EVENT_URL_ADAPTER_KEY)
            if adapter is not None:
                return adapter
        return super().create_url_adapter(request)
