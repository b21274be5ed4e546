"""The websocket beneath engine.io on gevent: one ordered, non-blocking writer per reader.

python-engineio's default (simple-websocket) frames every message per reader
and writes it from a greenlet woken through a queue; a broadcast to 5,000
readers did that 5,000 times. Here every write goes through `write`, which
never waits: an idle socket takes the bytes at once, a busy one queues them
behind what it already has, in order. That lets a broadcast hand the same
pre-built frame to each reader from the emitting greenlet (blog/live/broadcast.py).

Once open, a connection can be parked: no greenlet waits on it; the event
loop watches its socket and a short-lived greenlet takes each batch of what
the client sent. An idle reader then costs its objects, not a greenlet's
saved stack (docs/capacity.md, "Where a reader's memory goes").
"""

from __future__ import annotations

import collections
import contextlib
import io
import logging
import socket
from collections.abc import Callable
from typing import Any

from gevent import get_hub
from wsproto.extensions import PerMessageDeflate

from blog.live import read_workers, ws_handshake
from blog.live.frames import OutgoingMessage, control_frame
from blog.live.ws_reader import (
    CLOSE,
    NORMAL_CLOSURE,
    PING,
    PONG,
    UNSUPPORTED_DATA,
    ClientFrames,
    Received,
    Violation,
    close_payload,
)
from blog.platform.http_server import hold_connection, release_connection

logger = logging.getLogger(__name__)

RECEIVE_BYTES = 16_384
# A reader this far behind (a phone that stopped reading, a dead link) is cut
# off; it reconnects and catches up from its last seq, losing nothing.
MAX_PENDING_BYTES = 2 * 1024 * 1024
# Frames held back by cork() leave at once past this size: a long replay
# still reaches the client as it is read, not all at its end.
CORK_MAX_BYTES = 65_536
# How long a finished connection's last queued bytes may take to leave.
FLUSH_ON_CLOSE_S = 10.0
# A parked connection's request has no body left to read; its environ lives
# on (engine.io keeps it), so the request reader and its buffer are let go.
_NO_BODY = io.BytesIO(b"")


def raw_socket(environ: dict):
    """The client's socket under gevent's WSGI server, or None under any other server."""
    if not environ.get("SERVER_SOFTWARE", "").startswith("gevent"):
        return None
    wsgi_input: Any = environ.get("wsgi.input")  # whatever the server put there: probed below
    if not hasattr(wsgi_input, "raw") and hasattr(wsgi_input, "rfile"):
        wsgi_input = wsgi_input.rfile
    raw = getattr(wsgi_input, "raw", None)
    return getattr(raw, "_sock", None)


class ShowfloorWebSocket:
    """engine.io's websocket class under gevent: wait() reads, send() and write() never block."""

    def __init__(self, handler, server) -> None:
        self.app = handler
        self.server = server
        self.sock: socket.socket | None = None  # gevent's socket, once attach() ran
        self.deflate_window_bits: int | None = None
        self.closed = False
        self._frames = ClientFrames(server.max_http_buffer_size)
        self._close_sent = False
        self._inbox: collections.deque = collections.deque()
        self._pending: collections.deque = collections.deque()
        self._pending_bytes = 0
        self._flushing = False
        self._is_shut = False
        self._corked: list | None = None  # frames held back by cork(), if corked
        self._corked_bytes = 0
        self._flushed = server.create_event()
        self.environ: dict = {}
        self.parked = False
        self._watcher: Any = None  # the event loop's watch on a parked socket

    def __call__(self, environ, start_response):
        """Answer the upgrade, then run engine.io's handler for the connection's life."""
        sock = raw_socket(environ)
        if sock is None:  # another WSGI server: engine.io's own websocket
            fallback = _library_websocket_class()
            return fallback(self.app, self.server)(environ, start_response)
        self.environ = environ
        self.attach(sock)
        if not self._accept(environ):
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Not a valid websocket upgrade."]
        eio_socket = getattr(self.app, "__self__", None)
        if eio_socket is not None:
            eio_socket.showfloor_ws = self
        try:
            return self.app(self)
        finally:
            if not self.parked:  # a parked connection ends in end_parked()
                if eio_socket is not None:
                    eio_socket.showfloor_ws = None
                self._shut_when_flushed()

    def attach(self, sock) -> None:
        """Take over the client's gevent socket for this connection's reads and writes."""
        self.sock = sock
        # Small frames go out at once instead of waiting for the last ACK.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # gevent's socket is non-blocking underneath; its own send would wait
        # for room, while a broadcast must never wait on one reader.
        inner = getattr(sock, "_sock", None)
        self._send_now = inner.send if inner is not None else self._send_without_waiting
        self._recv_now = inner.recv if inner is not None else self._recv_without_waiting

    def _attached(self) -> socket.socket:
        """The client's socket; every read and write comes after attach()."""
        if self.sock is None:
            raise OSError("The websocket has no client socket attached.")
        return self.sock

    def _accept(self, environ) -> bool:
        if not ws_handshake.is_upgrade(environ):
            return False
        # No context carried between messages: one broadcast's deflated frame
        # is then the same for every reader and is built once.
        deflate = PerMessageDeflate(server_no_context_takeover=True)
        answer, deflating = ws_handshake.switching_protocols(environ, deflate)
        if deflating:
            self._frames = ClientFrames(
                self.server.max_http_buffer_size,
                inflate_bits=deflate.client_max_window_bits,
                keep_context=not deflate.client_no_context_takeover,
            )
            self.deflate_window_bits = deflate.server_max_window_bits
        # The answer leaves with the open packet that follows it, in one send.
        self.cork()
        self.write(answer)
        return True

    # -- reading, in engine.io's handler greenlet ---------------------------

    def wait(self):
        """The next whole message from the client, or None once the connection is over."""
        self.uncork()
        while not self._inbox:
            if self.closed:
                return None
            try:
                data = self._attached().recv(RECEIVE_BYTES)
            except OSError:
                data = b""
            self._take_in(data)
        return self._inbox.popleft()

    def _take_in(self, data: bytes) -> bool:
        """Feed what the client sent to the protocol; False once the connection is over."""
        if not data:  # the client closed its side, or the connection broke
            self.closed = True
            return False
        received, violation = self._frames.feed(data)
        for item in received:
            self._take(item)
        if violation is not None:
            self._refuse(violation)
        return not self.closed

    # -- reading from the event loop, once parked ----------------------------

    def park(self, serve_readable: Callable[[], None]) -> None:
        """Let the greenlet serving the upgrade end; the connection stays open and watched.

        Each time the client has sent something (or gone), serve_readable runs
        in a greenlet of its own; it calls read_available() and next_message(),
        then resume() to wait for more or end_parked() to finish.
        """
        sock = self._attached()
        self.uncork()
        hold_connection(sock)
        self.environ["wsgi.input"] = _NO_BODY
        self.parked = True
        self._serve_readable = serve_readable
        self._watcher = get_hub().loop.io(sock.fileno(), 1)
        self.resume()

    def resume(self) -> None:
        """Watch the parked socket again: serve_readable runs when the client sends more."""
        self._watcher.start(self._on_readable)

    def _on_readable(self) -> None:
        # This runs in the event loop itself, where nothing may wait: the
        # reading and engine.io's handling run in a greenlet of their own, and
        # the watch pauses until that greenlet is done, so messages are taken in
        # order. The greenlet runs now, as gevent resumes one whose socket became
        # readable, not at the back of the queue of greenlets waiting for their
        # turn: in a reconnect storm that queue holds thousands of upgrades, and
        # readers already open waited a second behind it for each answer.
        # A bare greenlet, kept for the next read (blog/live/read_workers.py): a
        # storm serves one read per reader, and gevent's Greenlet (links, the
        # spawner's stack kept for debugging) or a new greenlet costs more.
        self._watcher.stop()
        read_workers.run_now(self._serve_readable)

    def read_available(self) -> bool:
        """Take in what the client has sent, without waiting; False once the connection is over."""
        if self.closed:
            return False
        try:
            data = self._recv_now(RECEIVE_BYTES)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        return self._take_in(data)

    def next_message(self) -> str | None:
        """The oldest whole message taken in and not yet handed on, if any."""
        return self._inbox.popleft() if self._inbox else None

    def end_parked(self) -> None:
        """Finish a parked connection: what is queued leaves, then the socket is closed."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher.close()
        self._shut_when_flushed()
        release_connection(self._attached())

    def _take(self, item: Received) -> None:
        if item.opcode == PING:
            self.write(control_frame(PONG, item.payload))
        elif item.opcode == CLOSE:
            self._write_close(item.code, item.text)  # the closing handshake's answer
            self.closed = True
        else:
            self._inbox.append(item.text)

    def _refuse(self, violation: Violation) -> None:
        # Showfloor's clients send only text; a binary frame is refused on its
        # first bytes, before anything of it is kept.
        if violation.code == UNSUPPORTED_DATA:
            logger.info("websocket closed: the client sent a binary frame")
        self._write_close(violation.code, violation.reason)
        self.closed = True

    # -- writing, from any greenlet, never waiting --------------------------

    def send(self, data) -> None:
        """Frame one message from engine.io's writer and write it after what is already queued."""
        if self.closed:
            raise OSError("websocket is closed")
        self.write(OutgoingMessage(data).frame(self.deflate_window_bits))

    def write(self, frame: bytes) -> None:
        """Write a whole frame now if the socket takes it, else queue it behind the rest."""
        if self._is_shut:
            return
        if self._corked is not None and not (self._pending or self._flushing):
            self._corked.append(frame)
            self._corked_bytes += len(frame)
            if self._corked_bytes >= CORK_MAX_BYTES:
                self._write_corked()
            return
        if self._pending or self._flushing:
            self._queue(frame)
            return
        try:
            sent = self._send_now(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._shut(socket.SHUT_RDWR)
            return
        if sent < len(frame):
            self._queue(memoryview(frame)[sent:])

    def cork(self) -> None:
        """Hold frames back until uncork(), then send them together: one system call, not many."""
        if self._corked is None:
            self._corked = []

    def uncork(self) -> None:
        """Send what cork() held back, in order, and write each frame at once again."""
        if self._corked is not None:
            self._write_corked()
            self._corked = None

    def _write_corked(self) -> None:
        held, self._corked, self._corked_bytes = self._corked, None, 0
        if held:
            self.write(held[0] if len(held) == 1 else b"".join(held))
        self._corked = []

    def _send_without_waiting(self, data) -> int:
        # gevent's send takes a timeout (0.0: never wait); its stubs reuse the stdlib's socket.
        return self._attached().send(data, 0, 0.0)  # type: ignore[call-arg]

    def _recv_without_waiting(self, size: int) -> bytes:
        # Like _send_without_waiting: a timeout of 0.0 raises instead of waiting.
        sock = self._attached()
        previous = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            return sock.recv(size)
        finally:
            sock.settimeout(previous)

    def is_idle(self) -> bool:
        """True when nothing is queued, so a new frame may go straight to the socket."""
        return not (self.closed or self._pending or self._flushing)

    def _queue(self, data) -> None:
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes > MAX_PENDING_BYTES:
            logger.info("websocket reader %d KiB behind; cut off", self._pending_bytes // 1024)
            self._pending.clear()
            self._shut(socket.SHUT_RDWR)
        elif not self._flushing:
            self._flushing = True
            self._flushed.clear()
            self.server.start_background_task(self._flush)

    def _flush(self) -> None:
        try:
            while self._pending:
                chunk = self._pending.popleft()
                self._pending_bytes -= len(chunk)
                self._attached().sendall(chunk)
        except OSError:
            self._pending.clear()
            self._shut(socket.SHUT_RDWR)
        finally:
            self._flushing = False
            self._flushed.set()

    def _write_close(self, code: int, reason: str = "") -> None:
        if not self._close_sent:  # one close frame per connection, whoever closes first
            self._close_sent = True
            self.write(control_frame(CLOSE, close_payload(code, reason)))

    # -- closing ------------------------------------------------------------

    def close(self) -> None:
        """Send the closing frame; engine.io's handler then ends and the socket is shut."""
        if self.closed:
            return
        self._write_close(NORMAL_CLOSURE)
        self.closed = True

    def stop_reading(self) -> None:
        """End the wait for the client's messages: the server is done with this connection.

        After a server-initiated close (a ping timeout, a logout) the client's
        closing reply is not worth waiting for: a silent client would otherwise
        hold the connection and its greenlet until the kernel gives up on it.
        """
        with contextlib.suppress(OSError):
            self._attached().shutdown(socket.SHUT_RD)

    def _shut_when_flushed(self) -> None:
        # What is still queued (a closing frame, a last message) goes out
        # first, for a bounded time; this runs in the connection's own
        # greenlet, so the connection is closed only after it.
        self.uncork()
        if self._pending or self._flushing:
            self._flushed.wait(FLUSH_ON_CLOSE_S)
        self._shut(socket.SHUT_RDWR)

    def _shut(self, how: int) -> None:
        """Shut the socket (gevent's server closes it); a reader waiting in recv wakes up."""
        self.closed = True
        self._is_shut = True
        with contextlib.suppress(OSError):
            self._attached().shutdown(how)


def _library_websocket_class():
    from engineio.async_drivers import gevent as gevent_driver

    return gevent_driver.WebSocketWSGI
