"""Replays shared by readers who reconnect from the same seq: read once, framed once.

After a deploy or a crash thousands of readers reconnect within seconds, and
nearly all of them stand at the same seq: the head they had when their socket
dropped. Each one's replay is the same run of stored changes. The first
reader's follow reads that run from the database and builds its frames; the
others within KEEP_S get the same bytes written to their sockets, with no
query and no encoding.

A run is keyed by (blog, since, head). Every change that rewrites history (a
retraction or an edit turning older changes into tombstones) moves the head,
so it never hides behind a kept run; a kept run is at most KEEP_S old, as
fresh as the head it was read against (blog/live/heads.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from blog.platform import clock
from blog.platform.extensions import socket_server_or_none

# As long as a head seen by this process is trusted.
KEEP_S = 5.0
# Longer runs (a tab asleep for an hour) are read page by page, each time.
MAX_RUN = 200
# Changes kept over all runs (each with its frames, a few KiB); the oldest run goes first.
MAX_KEPT_CHANGES = 2_000

RunKey = tuple[int, int, int]


class ReplayCache:
    """The runs of changes recently replayed, with their frames, by (blog, since, head)."""

    def __init__(self) -> None:
        # A run is anything with a length: the number of changes it holds.
        self._runs: OrderedDict[RunKey, tuple[datetime, Any]] = OrderedDict()
        self._kept = 0

    def run(self, key: RunKey, read: Callable[[], Any]) -> Any:
        """The kept run for key, or what read() returns, then kept for the next readers."""
        kept = self._runs.get(key)
        now = clock.now()
        if kept is not None and now - kept[0] <= timedelta(seconds=KEEP_S):
            return kept[1]
        messages = read()
        self._forget(key)
        self._runs[key] = (now, messages)
        self._kept += len(messages)
        while self._kept > MAX_KEPT_CHANGES:
            self._forget(next(iter(self._runs)))
        return messages

    def _forget(self, key: RunKey) -> None:
        kept = self._runs.pop(key, None)
        if kept is not None:
            self._kept -= len(kept[1])

    def forget_all(self) -> None:
        """Keep nothing read so far (the queue was cut: heads may be stale)."""
        self._runs.clear()
        self._kept = 0


def run(key: RunKey, read: Callable[[], Any]) -> Any:
    """The run for (blog, since, head): kept by this process's client manager, else read()."""
    cache = getattr(getattr(socket_server_or_none(), "manager", None), "replays", None)
    return cache.run(key, read) if isinstance(cache, ReplayCache) else read()
