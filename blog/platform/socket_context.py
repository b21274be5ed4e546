"""The request context a Socket.IO event runs in: not routed, its session not opened again.

Flask-SocketIO runs every event inside `app.request_context(environ)`, with the
environ of the socket's handshake. A context built the usual way opens the
cookie session again, which Flask-SocketIO then replaces with its own copy
taken at connect, and routes the Socket.IO path through the URL map, where it
matches no view. That was about half of what a context cost, and the NotFound
kept on the request held a traceback: a reference cycle per event, left for the
garbage collector. A reconnect pays it twice (connect and follow), every reader
again at its 30 s head check. Here an event's context is not routed, from the
second event on it starts with the session the socket's events already use,
and its URL adapter (a third of what was left) is one kept for the host the
socket came in by, shared with every other socket from that host.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import Flask
from flask.ctx import RequestContext
from werkzeug.routing import MapAdapter

# Requests under this path reach Flask only as Socket.IO events: engine.io's
# middleware answers every HTTP request to it before Flask sees it.
SOCKETIO_PATH = "/socket.io"
# Where a socket's handshake environ keeps the session its events share.
EVENT_SESSION_KEY = "showfloor.event_session"
# URL adapters kept for socket events, one per host the sockets came in by:
# a public name or two, and a bound on what clients' Host headers can add.
URL_ADAPTERS_KEPT = 16
# What an adapter is bound from, besides the path: the same values, the same adapter.
_BINDING_KEYS = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme", "SCRIPT_NAME")


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
        if not _is_socket_event(environ):
            return super().request_context(environ)
        return SocketEventContext(self, environ, session=environ.get(EVENT_SESSION_KEY))

    def create_url_adapter(self, request):
        """Flask's URL adapter; a socket event's is kept and shared by its host's sockets."""
        if request is None or not _is_socket_event(request.environ):
            return super().create_url_adapter(request)
        adapters = self._socket_url_adapters()
        key = tuple(request.environ.get(name) for name in _BINDING_KEYS)
        adapter = adapters.get(key)
        if adapter is None:
            # An untrusted host raises here, as for any request, and nothing is kept.
            adapter = super().create_url_adapter(request)
            if adapter is not None:
                adapters[key] = adapter
                if len(adapters) > URL_ADAPTERS_KEPT:
                    adapters.popitem(last=False)
        return adapter

    def _socket_url_adapters(self) -> OrderedDict[tuple, MapAdapter]:
        adapters = self.extensions.get("showfloor_socket_url_adapters")
        if adapters is None:
            adapters = self.extensions["showfloor_socket_url_adapters"] = OrderedDict()
        return adapters


def _is_socket_event(environ: dict) -> bool:
    return environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH)
