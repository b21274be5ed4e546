"""Socket limits: new and open connections per address, connects per account, events per connection.

Socket.IO traffic never passes Flask's before-request hooks, so these sit
where it does pass: a WSGI middleware in front of the Socket.IO server for
handshakes, Engine.IO's connect and disconnect events for open sockets, and
a wrapper around every event handler.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from functools import wraps
from urllib.parse import parse_qs

from flask import Flask
from werkzeug.wrappers import Response

from blog.platform.extensions import (
    current_namespace,
    current_sid,
    current_socket_environ,
    socket_server,
)
from blog.platform.limits import Tally, client_ip, say_seconds
from blog.platform.session_cookie import cookie_session
from blog.platform.socket_context import SOCKETIO_PATH

logger = logging.getLogger(__name__)

# Past the limit an event is answered with an error; past this many times the
# limit in one window the client is not slowing down, and is disconnected.
DISCONNECT_FACTOR = 2
# An address at its open-socket cap may try again when one of them closes;
# the page's backoff waits about this long anyway.
OPEN_SOCKETS_RETRY_S = 10
# Where a connection's handshake environ keeps its own counts: events, replayed changes.
CONNECTION_COUNTS_KEY = "showfloor.connection_counts"
# Where it keeps the client's address, worked out once for both of its counts.
CLIENT_NETWORK_KEY = "showfloor.client_network"


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
            ip = client_ip(environ, self.app.config["TRUSTED_PROXIES"])
            environ[CLIENT_NETWORK_KEY] = ip
            if self.app.extensions["showfloor_open_sockets"].full(ip):
                logger.info("limits: socket connect refused for %s (too many open)", ip)
                return _refusal(OPEN_SOCKETS_RETRY_S)(environ, start_response)
            wait = self._count(environ, ip)
            if wait:
                return _refusal(wait)(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _count(self, environ, ip: str) -> int:
        limits = self.app.extensions["showfloor_limiter"]
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
        session = cookie_session(self.app, environ)
        user_id = session.get("uid") if session is not None else None
        return user_id if type(user_id) is int else None


class OpenSockets:
    """How many Engine.IO connections each client address holds open in this process."""

    def __init__(self, limit: int, trusted_proxies: int) -> None:
        self.limit = limit
        self.trusted_proxies = trusted_proxies
        self._lock = threading.Lock()
        self._by_address: Counter[str] = Counter()
        self._address_of: dict[str, str] = {}

    def full(self, ip: str) -> bool:
        """True when the address already holds as many open sockets as it may."""
        return self._by_address[ip] >= self.limit

    def opened(self, eio_sid: str, environ: dict) -> bool:
        """Count a new connection; False refuses it (two handshakes raced past full())."""
        ip = environ.get(CLIENT_NETWORK_KEY) or client_ip(environ, self.trusted_proxies)
        with self._lock:
            if self._by_address[ip] >= self.limit:
                return False
            self._by_address[ip] += 1
            self._address_of[eio_sid] = ip
        return True

    def closed(self, eio_sid: str) -> None:
        """Forget a connection that ended."""
        with self._lock:
            ip = self._address_of.pop(eio_sid, None)
            if ip is None:
                return
            self._by_address[ip] -= 1
            if self._by_address[ip] <= 0:
                del self._by_address[ip]

    def count(self, ip: str) -> int:
        """Open sockets of this address right now."""
        return self._by_address[ip]


def count_open_sockets(app: Flask, server) -> OpenSockets:
    """Track open Engine.IO connections per address through the server's connect and disconnect."""
    tracker = OpenSockets(app.config["MAX_SOCKETS_PER_ADDRESS"], app.config["TRUSTED_PROXIES"])
    eio = server.eio
    on_connect, on_disconnect = eio.handlers["connect"], eio.handlers["disconnect"]

    def connect(eio_sid, environ):
        if not tracker.opened(eio_sid, environ):
            return False
        accepted = on_connect(eio_sid, environ)
        if accepted is False:
            tracker.closed(eio_sid)
        return accepted

    def disconnect(eio_sid, *reason):
        tracker.closed(eio_sid)
        return on_disconnect(eio_sid, *reason)

    eio.on("connect", connect)
    eio.on("disconnect", disconnect)
    return tracker


def _opens_socket(environ) -> bool:
    """A Socket.IO handshake: the first request of an Engine.IO session carries no sid."""
    path = environ.get("PATH_INFO", "")
    if path != SOCKETIO_PATH and not path.startswith(SOCKETIO_PATH + "/"):
        return False
    query = environ.get("QUERY_STRING", "")
    if "sid" not in query and "%" not in query:
        return True  # no key of it can read "sid", even percent-decoded: no need to parse it
    return "sid" not in parse_qs(query)


def _refusal(wait: int) -> Response:
    error = f"Too many connections from this network or account; retry in {say_seconds(wait)}."
    body = {"error": error, "retry_after": wait}
    headers = {"Retry-After": str(wait)}
    return Response(json.dumps(body), 429, headers, mimetype="application/json")


def connection_count(environ: dict, name: str, amount: int = 1) -> Tally:
    """Count amount against one connection's own limit, kept in its handshake environ.

    The environ is the Engine.IO connection's, not the Socket.IO sid's: leaving
    and rejoining the namespace on one connection does not start a fresh count.
    """
    held = environ.get(CONNECTION_COUNTS_KEY)
    if held is None:
        held = environ[CONNECTION_COUNTS_KEY] = {}
    return environ["flask.app"].extensions["showfloor_limiter"].count_held(held, name, amount)


def _count_event() -> Tally:
    """Count one event against the connection's limit."""
    return connection_count(current_socket_environ(), "socket_event")


def replay_allowed(changes: int) -> bool:
    """Count changes about to be replayed on this connection; False past its replay limit."""
    if changes <= 0:
        return True
    tally = connection_count(current_socket_environ(), "socket_replay", changes)
    if tally.exceeded:
        logger.info("limits: replay of %d changes refused on socket %s", changes, current_sid())
    return not tally.exceeded


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
            logger.info("limits: socket %s disconnected for flooding", current_sid())
            socket_server().disconnect(current_sid(), namespace=current_namespace())
        wait = say_seconds(tally.retry_after)
        error = f"Too many messages on this connection; slow down and retry in {wait}."
        return {"ok": False, "error": error, "retry_after": tally.retry_after}

    return wrapper
