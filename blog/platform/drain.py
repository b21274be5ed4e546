"""Drain on SIGTERM: stop accepting, move the readers elsewhere, finish requests, then exit.

The order is what keeps a deploy invisible (docs/operations.md, "Rolling restart"):
the listening socket closes and /readyz says "draining" at once, so the proxy
sends new connections to the other processes; every connected reader is asked
to reconnect within a window, at a random moment of its own, and keeps getting
changes from this process until it does; requests in flight finish; pushes
still queued leave; stragglers are disconnected; the process exits when its
sockets are gone or after the bound (SHOWFLOOR_DRAIN_S), whichever comes first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import gevent
from gevent.event import Event

from blog.platform.metrics import REGISTRY

logger = logging.getLogger(__name__)

# After the window, how long clients that were asked get to close on their own.
STRAGGLER_GRACE_S = 1.0
POLL_S = 0.05
_draining = threading.Event()


def draining() -> bool:
    """Tell whether this process is draining (it answers, but takes nothing new)."""
    return _draining.is_set()


class Sockets(Protocol):
    """The sockets of a draining process, as the live layer gives them (blog/live/reconnects.py)."""

    def ask_all_to_reconnect(self, within_ms: int) -> int:
        """Ask every socket to reconnect within within_ms; return how many were asked."""
        ...

    def open_sockets(self) -> int:
        """How many sockets are still open here."""
        ...

    def disconnect_all(self) -> None:
        """Close every socket still open."""
        ...


class Drain:
    """One process's drain: started by SIGTERM, `finished` once it may exit."""

    def __init__(
        self,
        server,
        pool,
        sockets: Sockets,
        *,
        bound_s: float,
        window_s: float,
        close_idle: Callable,
        held: Callable[[], int] = lambda: 0,
        shut_held: Callable[[], None] = lambda: None,
    ) -> None:
        # The sockets come from the live layer above: platform imports nothing of it.
        self.server, self.pool, self.sockets = server, pool, sockets
        self.bound_s = bound_s
        # Leave half the bound for stragglers and requests after the window.
        self.window_s = min(window_s, bound_s / 2)
        self.close_idle = close_idle
        # Connections open past their request (websockets read by the event loop).
        self.held, self.shut_held = held, shut_held
        self.finished = Event()

    def start(self) -> None:
        """Begin draining (a second SIGTERM changes nothing)."""
        if _draining.is_set():
            return
        _draining.set()
        self.server.close()  # the listening socket: new connections go elsewhere
        gevent.spawn(self.run_to_the_end)
        # The bound holds whatever happens inside the drain: a step that raised
        # or hung must not keep the process alive after SIGTERM.
        gevent.spawn_later(self.bound_s + STRAGGLER_GRACE_S, self.finished.set)

    def run_to_the_end(self) -> None:
        """Run the drain; finished is set even when a step fails, so the process exits."""
        try:
            self.run()
        except Exception:
            logger.exception("draining failed; stopping anyway")
        finally:
            self.finished.set()

    def run(self) -> None:
        """Move readers, wait for requests and pushes, then mark the drain finished."""
        started = time.monotonic()
        deadline = started + self.bound_s
        asked = self.sockets.ask_all_to_reconnect(int(self.window_s * 1000))
        logger.warning("draining: asked %d sockets to move within %.1f s", asked, self.window_s)
        moved_by = min(deadline, started + self.window_s + STRAGGLER_GRACE_S)
        wait_until(lambda: self.sockets.open_sockets() == 0, moved_by)
        left = self.sockets.open_sockets()
        # Kept-alive HTTP connections stayed usable through the window (a
        # probe on one hears "draining"); those still idle now are closed.
        self.close_idle()
        self.sockets.disconnect_all()
        wait_until(lambda: self.open_connections() == 0 and push_backlog() == 0, deadline)
        busy = self.open_connections()
        self.shut_held()
        self.pool.kill(timeout=1)
        logger.warning(
            "drained in %.1f s: %d sockets disconnected, %d connections cut at the bound",
            time.monotonic() - started,
            left,
            busy,
        )
        self.finished.set()

    def open_connections(self) -> int:
        """Connections still open: requests being served and held websockets."""
        return len(self.pool) + self.held()


def push_backlog() -> float:
    """Changes committed here but not yet handed to the queue (0 when none)."""
    return REGISTRY.get_sample_value("showfloor_push_backlog") or 0.0


def wait_until(done: Callable[[], bool], deadline: float) -> bool:
    """Poll done() on the event loop until it is true or the monotonic deadline passes."""
    while not done():
        if time.monotonic() >= deadline:
            return False
        gevent.sleep(POLL_S)
    return True
