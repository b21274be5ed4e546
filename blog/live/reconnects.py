"""Spread readers' reconnects: the window a client jitters over, and a draining process's request.

A process holding thousands of sockets that goes away sends them all to the
others at once. Clients therefore wait a random delay in [0, window) before
their first retry (docs/protocol.md, "Reconnecting"); a process about to stop
asks its clients to move within a window of its own, while it still serves them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app

from blog.platform.extensions import socket_server_or_none, socketio

# Server→client: this process is stopping; reconnect (elsewhere) within the window.
RECONNECT_SOON = "reconnect_soon"


def hello() -> dict:
    """The answer to a client's `hello`: the window to spread its reconnects over."""
    return {"ok": True, "reconnect_window_ms": window_ms()}


def with_window(handler: Callable[..., dict]) -> Callable[..., dict]:
    """Add the reconnect window to every answer of a follow handler.

    A reader page follows as soon as it connects, so its follow's answer tells
    it the window and it need not send `hello` (one event less per reconnect).
    """

    @functools.wraps(handler)
    def answer(*args) -> dict:
        return {**handler(*args), "reconnect_window_ms": window_ms()}

    return answer


def window_ms() -> int:
    """The reconnect window clients jitter over, in milliseconds."""
    return int(current_app.config["RECONNECT_WINDOW_S"] * 1000)


def ask_all_to_reconnect(within_ms: int) -> int:
    """Tell every socket on this process to reconnect within within_ms; return how many."""
    count = open_sockets()
    # ignore_queue: only this process's readers move, not every process's.
    # SocketIO.emit takes ignore_queue (documented); Flask-SocketIO's stubs leave it out.
    socketio.emit(RECONNECT_SOON, {"within_ms": within_ms}, ignore_queue=True)  # type: ignore[call-arg]
    return count


def open_sockets() -> int:
    """How many Engine.IO sockets this process holds."""
    server = socket_server_or_none()
    return len(server.eio.sockets) if server is not None else 0


def disconnect_all() -> None:
    """Close every socket still open (clients that did not move); they reconnect elsewhere."""
    server = socket_server_or_none()
    if server is not None:
        server.eio.disconnect()
