"""Engine.IO sockets on Showfloor's websocket: no writer greenlet, one ping timer for all.

python-engineio gives every websocket connection a writer greenlet that takes
packets off a queue, and every ping cycle a greenlet of its own that sleeps
for the ping interval. Showfloor's websocket (blog/live/websocket.py) never
blocks on a write, so a packet can be written by whoever sends it; and since
every socket pings at the same interval, one timer serving the sockets in the
order they were scheduled replaces a sleeping greenlet per socket. Once open,
the connection is parked (blog/live/websocket.py): the greenlet that answered
the upgrade ends, and what the client sends is taken by a greenlet started
for it. An idle reader holds no greenlet at all.

Sockets that begin on long-polling and upgrade keep engine.io's own path.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from engineio import exceptions, packet
from engineio import socket as eio_socket_module

from blog.live.websocket import ShowfloorWebSocket

logger = logging.getLogger(__name__)


class DirectSocket(eio_socket_module.Socket):
    """An engine.io socket that writes packets straight to its Showfloor websocket."""

    # engine.io's own attributes, set in its constructor (it ships no types).
    last_ping: float | None
    queue: Any  # gevent's queue, or NO_QUEUE once every packet is written directly
    connected: bool
    upgraded: bool
    # Set on the instance once its websocket handler runs without a writer greenlet.
    direct = False
    showfloor_ws = None

    def send(self, pkt):
        """Write the packet now if nothing is queued before it, else queue it as engine.io does."""
        ws = self.showfloor_ws
        if not self.direct or ws is None or not self.queue.empty():
            return super().send(pkt)
        if not self.check_ping_timeout():
            return None
        # OSError: the connection ended; its handler is closing it.
        with contextlib.suppress(OSError):
            ws.send(pkt.encode())
        return None

    def schedule_ping(self):
        """Queue the next ping on the server's shared timer (when the last one was answered)."""
        if self.last_ping:
            self.last_ping = None
            ping_timer(self.server).schedule(self)

    def _websocket_handler(self, ws):
        """Run the connection: flush what was queued, then read until the client goes."""
        if self.connected or not isinstance(ws, ShowfloorWebSocket):
            # An upgrade from long-polling, or another server's websocket.
            return super()._websocket_handler(ws)
        self.connected = self.upgraded = True
        self._flush_queue(ws)
        self.direct = True
        if self.closed:  # closed while the handshake was answered: nothing to read
            self._end(ws)
            return []
        # Every packet from now on is written directly: the queue is not needed.
        self.queue = NO_QUEUE
        ws.park(lambda: self._serve_readable(ws))
        return []

    def _serve_readable(self, ws) -> None:
        """Take what the client sent and hand it to engine.io; then wait for more, or end."""
        # What the handlers answer (a connect, a follow's replay and ack) leaves in one send.
        ws.cork()
        try:
            with self._batch_context(ws.environ):
                alive = ws.read_available()
                while (data := ws.next_message()) is not None:
                    if not self._take(data):
                        alive = False
                        break
        except Exception:  # the connection must still end and be released
            logger.exception("%s: reading from the websocket failed", self.sid)
            alive = False
        finally:
            ws.uncork()
        if alive:
            ws.resume()
        else:
            self._end(ws)

    def _batch_context(self, environ: dict) -> contextlib.AbstractContextManager:
        """The context the messages of one read are handled in (see serve_batches_in)."""
        enter = getattr(self.server, BATCH_CONTEXT, None)
        return enter(environ) if enter is not None else contextlib.nullcontext()

    def _end(self, ws) -> None:
        try:
            ws.close()
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        finally:
            # Whatever the disconnect handlers did, a parked connection is
            # released, or the drain would wait for it until its bound.
            if ws.parked:
                # What engine.io does when its handler returns for a closed socket.
                if self.server.sockets.get(self.sid) is self:
                    del self.server.sockets[self.sid]
                self.showfloor_ws = None
                ws.end_parked()

    def _flush_queue(self, ws) -> None:
        # The open packet (and anything sent before the socket existed) went
        # to the queue; it leaves first, in order, before any direct write.
        while not self.queue.empty():
            pkt = self.queue.get_nowait()
            self.queue.task_done()
            if pkt is not None:
                ws.send(pkt.encode())

    def _take(self, data) -> bool:
        """Hand one message to engine.io; False when the connection should end."""
        if len(data) > self.server.max_http_buffer_size:
            logger.info("%s: packet too large; closing", self.sid)
            return False
        try:
            self.receive(packet.Packet(encoded_packet=data))
        except exceptions.UnknownPacketError:
            return True  # as engine.io does: an unknown packet type is skipped
        except exceptions.SocketIsClosedError:
            return False
        except Exception:  # as engine.io does: log it and end the connection
            logger.exception("%s: receiving a packet failed", self.sid)
            return False
        return True

    def close(self, wait=True, abort=False, reason=None):
        """Close as engine.io does; with no writer to wait for, the websocket is closed here."""
        if not self.direct:
            return super().close(wait=wait, abort=abort, reason=reason)
        super().close(wait=False, abort=abort, reason=reason)
        ws = self.showfloor_ws
        if ws is not None:
            ws.close()
            ws.stop_reading()  # the handler then ends, flushing what is queued
        return None


class _NoQueue:
    """engine.io's packet queue for a socket whose packets are all written directly.

    Shared by every such socket: it holds nothing, so a reader does not
    carry an empty queue of its own for its whole life.
    """

    def empty(self) -> bool:
        """Always empty."""
        return True

    def put(self, _item) -> None:
        """Drop the item: only a closed socket's sends and wake-ups come here."""

    def join(self) -> None:
        """Nothing to wait for."""

    def task_done(self) -> None:
        """Nothing was taken."""


NO_QUEUE = _NoQueue()


class PingTimer:
    """One greenlet sending every socket its ping when due, in the order they were scheduled."""

    def __init__(self, server) -> None:
        self.server = server
        self._due: collections.deque = collections.deque()
        self._running = False

    def schedule(self, sock: DirectSocket) -> None:
        """Ping sock one ping interval from now."""
        self._due.append((time.monotonic() + self.server.ping_interval, sock))
        if not self._running:
            self._running = True
            self.server.start_background_task(self._run)

    def _run(self) -> None:
        while self._due:
            due, sock = self._due[0]
            wait = due - time.monotonic()
            if wait > 0:
                self.server.sleep(wait)
                continue
            self._due.popleft()
            try:
                _ping(sock)
            except Exception:  # one socket's failure must not stop everyone's pings
                logger.exception("pinging %s failed", sock.sid)
        self._running = False


def _ping(sock: DirectSocket) -> None:
    if not sock.closing and not sock.closed:
        sock.last_ping = time.time()
        sock.send(packet.Packet(packet.PING))


def ping_timer(server) -> PingTimer:
    """The engine.io server's shared ping timer."""
    timer = getattr(server, "showfloor_ping_timer", None)
    if timer is None:
        timer = server.showfloor_ping_timer = PingTimer(server)
    return timer


# The engine.io server's attribute holding serve_batches_in's context factory.
BATCH_CONTEXT = "showfloor_batch_context"


def serve_batches_in(eio, enter: Callable[[dict], contextlib.AbstractContextManager]) -> None:
    """Handle the messages of each read from a direct socket inside enter(handshake environ).

    A page's connect and follow arrive in one read: one app context serves both.
    """
    setattr(eio, BATCH_CONTEXT, enter)


def use_direct_sockets(eio) -> None:
    """Make every new engine.io socket of this gevent server a DirectSocket."""
    on_connect = eio.handlers.get("connect")

    def connect(eio_sid, environ):
        sock = eio.sockets.get(eio_sid)
        # Swapped before engine.io schedules its first ping or runs the
        # transport: the class adds behaviour only, no state of its own.
        if type(sock) is eio_socket_module.Socket:
            sock.__class__ = DirectSocket
        return on_connect(eio_sid, environ) if on_connect else None

    eio.on("connect", connect)
