"""gevent's WSGI server as Showfloor runs it: small answers leave at once, slow headers are cut.

A connection can be held past its request: a websocket hands its reading to
the event loop, and the greenlet that served the upgrade ends while the
connection lives on (blog/live/websocket.py). On SIGTERM the server drains
(blog/platform/drain.py) instead of dropping everything.
"""

from __future__ import annotations

import contextlib
import logging
import select
import signal
import socket
import weakref

from gevent import Timeout, pywsgi, signal_handler, sleep

from blog.platform import drain
from blog.platform.connection_workers import ConnectionWorkers
from blog.platform.metrics import CONNECTIONS_HELD, CONNECTIONS_SERVING
from blog.platform.request_headers import RequestHeaders, read_headers

logger = logging.getLogger(__name__)


# gevent's default is 8 KiB per connection.
REQUEST_BUFFER_BYTES = 4096
# Connections whose request ended but which stay open until released.
HELD: set = set()


def hold_connection(sock) -> None:
    """Keep this request's client socket open after the request: the caller releases it."""
    HELD.add(sock)


def release_connection(sock) -> None:
    """Close a held connection; its holder is done with it."""
    HELD.discard(sock)
    with contextlib.suppress(OSError):
        sock.close()


def held_connections() -> int:
    """How many connections are held open past their request."""
    return len(HELD)


def shut_held_connections() -> None:
    """Shut every held connection down; each holder then sees its end and releases it."""
    for sock in list(HELD):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class ShowfloorHandler(pywsgi.WSGIHandler):
    """gevent's request handler with Nagle off, a header deadline, and websockets closed after use.

    On a kept-alive connection a small answer (a page from memory, a 304)
    otherwise waited for the client's delayed ACK of the one before: about
    40 ms per request here, whatever the server's own cost.
    """

    # Seconds a client has to send a request line and headers, counted from
    # when the server starts waiting for them (a kept-alive idle connection too).
    header_timeout: float = 10.0
    # Whether the request being served asks for a websocket (read once from its headers).
    upgrades_to_websocket: bool = False

    def __init__(self, sock, address, server):
        super().__init__(sock, address, server)
        # The request reader's buffer lives as long as the connection, a
        # websocket's whole life included, where it is never read again. A
        # request head fits 4 KiB; longer heads and bodies are read in more calls.
        # (gevent's own way to pass a reader in is deprecated.)
        self.rfile = sock.makefile("rb", REQUEST_BUFFER_BYTES)

    # gevent's stubs type this as its email-based message; its handler calls only
    # the methods RequestHeaders has (tests/test_request_headers.py runs them).
    def MessageClass(self, rfile, *_args) -> RequestHeaders:  # type: ignore[override]  # noqa: N802
        """The request's header fields (blog/platform/request_headers.py)."""
        return read_headers(rfile)

    def log_request(self):
        """Log the request as gevent does, unless the server keeps no access log."""
        # gevent formats every request's line, date and all, even for log=None,
        # only to drop it: about 1 % of a websocket reconnect.
        if getattr(self.server, "access_log", True):
            super().log_request()

    def handle(self):
        """Serve the connection's requests, each answer sent as soon as it is written."""
        with contextlib.suppress(OSError):
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().handle()

    def handle_one_request(self):
        """Read one request within the header deadline and answer it; None closes the connection."""
        if drain.draining() and not _bytes_waiting(self.socket):
            return None  # a kept-alive connection with nothing asked: close it now
        # Waiting for a request head: a drain may close this connection.
        WAITING.add(self)
        # A slowloris client trickles its headers to hold a connection and a
        # greenlet for as long as it likes; past the deadline it is dropped.
        self._header_deadline = Timeout(self.header_timeout)
        self._header_deadline.start()
        try:
            return super().handle_one_request()
        except Timeout as expired:
            if expired is not self._header_deadline:
                raise
            logger.info(
                "http: %s sent no whole request head in %g s; closed",
                self.client_address,
                self.header_timeout,
            )
            return None
        finally:
            self._header_deadline.close()

    def read_request(self, raw_requestline):
        """Parse the request line and headers; the deadline ends once they are in."""
        WAITING.discard(self)
        result = super().read_request(raw_requestline)
        self._header_deadline.close()
        self.upgrades_to_websocket = self.headers.get("Upgrade", "").lower() == "websocket"
        if self.upgrades_to_websocket:
            # A new websocket waits its turn behind what open ones have sent
            # (blog/live/websocket.py answers those at once): in a reconnect storm
            # each reader is then caught up moments after its upgrade, instead of
            # every reader's messages waiting behind every other reader's upgrade.
            sleep(0)
        return result

    def start_response(self, status, headers, exc_info=None):
        """Start the answer; while draining, say the connection closes after it."""
        if drain.draining() and not str(status).startswith("101"):
            # The proxy then opens its next connection to another process.
            headers = [*headers, ("Connection", "close")]
        return super().start_response(status, headers, exc_info)

    def handle_one_response(self):
        """Answer the request; a connection that became a websocket is closed afterwards."""
        super().handle_one_response()
        # After a websocket (blog/live/websocket.py) the bytes that follow on
        # the connection are frames, a close frame last: never read them as
        # the next request. A refused upgrade is closed as well.
        if self.upgrades_to_websocket:
            self.close_connection = True
        if self.socket in HELD:
            # Its holder owns the connection now: this greenlet ends without closing it.
            # gevent's own code sets None here too; its stubs type the attribute as a socket.
            self.socket = None  # type: ignore[assignment]


# Connections the kernel holds until they are accepted: a reconnect storm arrives
# faster than upgrades are answered. Linux caps it at net.core.somaxconn.
LISTEN_BACKLOG = 4096

# Handlers blocked reading the next request head of a kept-alive connection.
WAITING: weakref.WeakSet[ShowfloorHandler] = weakref.WeakSet()


def _bytes_waiting(sock) -> bool:
    """Tell whether the client has sent something (or closed) that is not yet read."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(readable)


def close_idle_connections() -> int:
    """End kept-alive connections waiting for a request with nothing sent; return how many."""
    closed = 0
    for handler in list(WAITING):
        # gevent drops a handler's socket when its connection ends: nothing left to close.
        sock = getattr(handler, "socket", None)
        if sock is None:
            WAITING.discard(handler)
            continue
        if not _bytes_waiting(sock):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            closed += 1
    return closed


def handler_class(header_timeout: float) -> type[ShowfloorHandler]:
    """The request handler class with this header deadline in seconds."""
    return type("ShowfloorHandler", (ShowfloorHandler,), {"header_timeout": header_timeout})


class ShowfloorServer(pywsgi.WSGIServer):
    """gevent's WSGI server that leaves held connections open when their request ends."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # log=None: no access log (Showfloor logs what matters itself).
        self.access_log = kwargs.get("log", "default") is not None

    def init_socket(self):
        """Listen, leaving each new connection with the kernel until its first bytes arrive."""
        super().init_socket()
        # A connection comes to us with its request already readable: one wake-up
        # of the event loop less per connection (a reconnect storm is thousands).
        # One that connects and says nothing holds no greenlet until the kernel
        # stops waiting (after about the header deadline); then the deadline applies.
        deadline = getattr(self.handler_class, "header_timeout", ShowfloorHandler.header_timeout)
        seconds = max(1, round(deadline))
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: not Linux
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, seconds)

    def do_close(self, sock, *args):
        """Close a finished connection unless a holder took it over."""
        if sock not in HELD:
            super().do_close(sock, *args)


def serve(app, host: str, port: int, sockets: drain.Sockets) -> None:
    """Serve app on host:port until SIGTERM has drained the process (blog/platform/drain.py)."""
    # Unbounded; with the held connections, how the drain sees what is still open.
    pool = ConnectionWorkers()
    CONNECTIONS_SERVING.set_function(lambda: len(pool))
    CONNECTIONS_HELD.set_function(held_connections)
    server = ShowfloorServer(
        (host, port),
        app,
        handler_class=handler_class(app.config["HTTP_HEADER_TIMEOUT_S"]),
        spawn=pool.spawn,
        log=None,
        backlog=LISTEN_BACKLOG,
    )
    draining = drain.Drain(
        server,
        pool,
        sockets,
        bound_s=app.config["DRAIN_S"],
        window_s=app.config["RECONNECT_WINDOW_S"],
        close_idle=close_idle_connections,
        held=held_connections,
        shut_held=shut_held_connections,
    )
    server.start()
    signal_handler(signal.SIGTERM, draining.start)
    draining.finished.wait()
