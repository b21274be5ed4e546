"""Socket limits: new connections per address and account, and events per connection.

Socket.IO traffic never passes Flask's before-request hooks, so these sit
where it does pass: a WSGI middleware in front of the Socket.IO server for
handshakes, and a wrapper around every event handler.
"""

from __future__ import annotations

import json
import logging
from functools import wraps
from urllib.parse import parse_qs

from flask import Flask, request
from flask_socketio import disconnect
from werkzeug.wrappers import Response

from blog.platform.extensions import socketio
from blog.platform.limits import client_ip, limiter, say_seconds

logger = logging.getLogger(__name__)

SOCKETIO_PATH = "/socket.io"
# Past the limit an event is answered with an error; past this many times the
# limit in one window the client is not slowing down, and is disconnected.
DISCONNECT_FACTOR = 2


class ConnectLimit:
    """WSGI middleware: count each new Socket.IO connection and refuse one past a limit with 429.

    Refusing the handshake itself costs no Engine.IO session, and a browser's
    WebSocket then fails and retries with the page's backoff.
    """

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        """Pass the request on, unless it opens a socket past a limit."""
        if _opens_socket(environ):
            wait = self._count(environ)
            if wait:
                return _refusal(wait)(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _count(self, environ) -> int:
        limits = self.app.extensions["showfloor_limiter"]
        ip = client_ip(environ, self.app.config["TRUSTED_PROXIES"])
        tallies = [limits.count("connect_ip", ip)]
        user_id = self._session_user_id(environ)
        if user_id is not None:
            tallies.append(limits.count("connect_account", str(user_id)))
        wait = max((t.retry_after for t in tallies if t.exceeded), default=0)
        if wait:
            logger.info("limits: socket connect refused for %s (account %s)", ip, user_id)
        return wait

    def _session_user_id(self, environ) -> int | None:
        """The account id in the request's signed session cookie, if any."""
        app = self.app
        session = app.session_interface.open_session(app, app.request_class(environ))
        user_id = session.get("uid") if session is not None else None
        return user_id if type(user_id) is int else None


def _opens_socket(environ) -> bool:
    """A Socket.IO handshake: the first request of an Engine.IO session carries no sid."""
    path = environ.get("PATH_INFO", "")
    if path != SOCKETIO_PATH and not path.startswith(SOCKETIO_PATH + "/"):
        return False
    return "sid" not in parse_qs(environ.get("QUERY_STRING", ""))


def _refusal(wait: int) -> Response:
    error = f"Too many connections from this network or account; retry in {say_seconds(wait)}."
    body = {"error": error, "retry_after": wait}
    headers = {"Retry-After": str(wait)}
    return Response(json.dumps(body), 429, headers, mimetype="application/json")


def _count_event():
    """Count one event against the connection's Engine.IO session.

    Keyed by the Engine.IO session rather than the Socket.IO sid, so leaving
    and rejoining the namespace on one connection does not start a fresh count.
    """
    eio_sid = socketio.server.manager.eio_sid_from_sid(request.sid, request.namespace or "/")
    return limiter().count("socket_event", eio_sid or request.sid, local=True)


def guarded_connect(handler):
    """Wrap the connect handler: joining the namespace again and again counts as events too."""

    @wraps(handler)
    def wrapper(*args):
        if _count_event().exceeded:
            return False  # Socket.IO answers CONNECT_ERROR; nothing else runs
        return handler(*args)

    return wrapper


def guarded(handler):
    """Wrap a socket event handler: past the per-connection event limit, answer an error instead.

    A client that keeps sending at twice the limit is disconnected.
    """

    @wraps(handler)
    def wrapper(*args):
        tally = _count_event()
        if not tally.exceeded:
            return handler(*args)
        if tally.count > DISCONNECT_FACTOR * tally.limit:
            logger.info("limits: socket %s disconnected for flooding", request.sid)
            disconnect()
        wait = say_seconds(tally.retry_after)
        error = f"Too many messages on this connection; slow down and retry in {wait}."
        return {"ok": False, "error": error, "retry_after": tally.retry_after}

    return wrapper
