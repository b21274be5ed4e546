"""Greenlets that serve parked sockets' reads, kept for the next read instead of ending.

A parked websocket's messages are handled in a greenlet started when the
event loop sees them (blog/live/websocket.py). A new greenlet is cheap to
make, but on Python 3.11 the first frame it runs maps a 16 KiB stack of
its own and its end unmaps it: two system calls and fresh pages, about
6 µs against half a µs to resume one that is waiting. A reconnect storm
starts one per reader. Here a greenlet that has served a read waits for
the next one, each read in a fresh context (as a new greenlet's), so a
read's context variables (its database scope) never reach the next.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from gevent import get_hub
from greenlet import getcurrent
from greenlet import greenlet as RawGreenlet

# Greenlets kept waiting for work. More can run at once (a read that waits
# on the database holds its greenlet); past this many idle, a finished one ends.
MAX_IDLE = 64
# The hub's attribute holding its idle greenlets: one list per event loop.
IDLE = "showfloor_read_workers"


def run_now(task: Callable[[], None]) -> None:
    """Run task at once in a waiting greenlet (or a new one); return when it waits or ends.

    Called from the event loop: as a new greenlet's switch would, this switches
    to the task, which runs until it first waits or is done.
    """
    idle = _idle()
    worker = idle.pop() if idle else RawGreenlet(_serve, get_hub())
    worker.gr_context = contextvars.Context()
    worker.switch(task)


def _idle() -> list:
    hub = get_hub()
    idle = getattr(hub, IDLE, None)
    if idle is None:
        idle = []
        setattr(hub, IDLE, idle)
    return idle


def _serve(task: Callable[[], None]) -> None:
    hub = get_hub()
    idle = _idle()
    while True:
        # The task logs its own failures (DirectSocket._serve_readable); anything
        # else it lets through ends this greenlet, as it would a new one.
        task()
        if len(idle) >= MAX_IDLE:
            return
        idle.append(getcurrent())
        # Back to the event loop until run_now hands this greenlet its next task.
        task = hub.switch()
