"""Greenlets that serve HTTP connections, kept for the next connection instead of ending.

gevent's server starts a new greenlet for every connection it accepts. On
Python 3.11 a new greenlet maps a stack of its own as its first frame runs and
unmaps it at its end, and gevent's Greenlet and Pool keep books on it: about
15 µs per connection, and a reconnect storm is a new connection per reader.
Here a greenlet that has served a connection waits for the next one, each in
a fresh contextvars context (as a new greenlet's), so nothing a connection
set in its context (its database scope, Flask's contexts) reaches the next.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable

import gevent
from gevent import get_hub
from gevent.event import Event
from greenlet import GreenletExit, getcurrent
from greenlet import greenlet as RawGreenlet

# Greenlets kept waiting for a connection. More run at once when more
# connections are open; past this many idle, one that finishes ends.
MAX_IDLE = 256


class ConnectionWorkers:
    """Run each connection's handler in a waiting greenlet; count the busy ones, end them."""

    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self._busy: set[RawGreenlet] = set()
        # Accepted, their greenlet not yet switched to: counted, as gevent's Pool counts them.
        self._starting = 0
        self._idle: list[RawGreenlet] = []
        self._max_idle = max_idle
        self._emptied: Event | None = None

    def __len__(self) -> int:
        """Connections being served now, or about to be."""
        return len(self._busy) + self._starting

    def idle(self) -> int:
        """Greenlets waiting for a connection."""
        return len(self._idle)

    def spawn(self, func: Callable, *args) -> None:
        """Call func(*args) in a waiting greenlet (or a new one) at the event loop's next turn.

        The same moment as gevent's spawn starts a new greenlet.
        """
        self._starting += 1
        get_hub().loop.run_callback(self._start, func, args)

    def kill(self, timeout: float) -> None:
        """Raise GreenletExit in every busy handler; wait up to timeout seconds for them to end."""
        if not self._busy:
            return
        self._emptied = Event()
        for worker in list(self._busy):
            gevent.kill(worker)
        self._emptied.wait(timeout)

    def _start(self, func: Callable, args: tuple) -> None:
        self._starting -= 1
        worker = self._idle.pop() if self._idle else RawGreenlet(self._serve, get_hub())
        worker.gr_context = contextvars.Context()
        self._busy.add(worker)
        worker.switch(func, args)

    def _serve(self, func: Callable, args: tuple) -> None:
        hub = get_hub()
        me = getcurrent()
        while True:
            try:
                func(*args)
            except GreenletExit:
                self._done(me)
                return  # killed: this greenlet ends, as a killed new one would
            except BaseException:
                # Reported as gevent reports a failed greenlet; this one serves on.
                hub.handle_error(me, *sys.exc_info())
            self._done(me)
            if len(self._idle) >= self._max_idle:
                return
            self._idle.append(me)
            try:
                # Back to the event loop until _start hands this greenlet its next connection.
                func, args = hub.switch()
            except BaseException as exc:
                # Something meant for the connection before (a timer it left running,
                # a kill) reached this greenlet while it waited: it ends, unused.
                self._idle.remove(me)
                if not isinstance(exc, GreenletExit):
                    hub.handle_error(me, *sys.exc_info())
                return

    def _done(self, worker: RawGreenlet) -> None:
        self._busy.discard(worker)
        if not self._busy and self._emptied is not None:
            self._emptied.set()
