"""Each room's head seq as this process last saw it: a follow at the head reads no database.

Every change delivered here (emitted by this process, arrived through the
queue, or re-sent by a repair) is committed, so the highest seq seen is a
head the blog has at least reached. A push lost between processes leaves the
head seen here short of the truth until the next change arrives; so a head is
trusted only for FRESH_S after it was last seen or read, and then read from
the database again. With thousands of readers re-following every 30 s, that
is one query per blog per FRESH_S instead of one per follow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from blog.platform import clock
from blog.platform.extensions import socket_server_or_none

# Longer than the gap between changes in a busy blog (so a keynote's follows
# hit memory), far shorter than the page's 30 s head check (so a lost push
# costs a reader at most one more check).
FRESH_S = 5.0


class HeadCache:
    """The highest seq seen per room, with when it was last confirmed."""

    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, datetime]] = {}

    def saw(self, room: str, seq: int) -> None:
        """Note that room's stream reached seq (a change delivered, or the head read)."""
        known = self.heads.get(room)
        if known is None or seq >= known[0]:
            self.heads[room] = (seq, clock.now())

    def head(self, room: str) -> int | None:
        """The room's head seq if it was seen within FRESH_S, else None (read the database)."""
        known = self.heads.get(room)
        if known is None:
            return None
        seq, seen_at = known
        if clock.now() - seen_at > timedelta(seconds=FRESH_S):
            del self.heads[room]
            return None
        return seq

    def forget_all(self) -> None:
        """Trust nothing seen so far (the queue was cut: pushes may have been lost)."""
        self.heads.clear()


def known(room: str) -> int | None:
    """The fresh head seq of room seen by this process, or None: ask the database."""
    cache = _cache()
    return cache.head(room) if cache is not None else None


def note(room: str, seq: int) -> None:
    """Record a head seq of room just read from the database."""
    cache = _cache()
    if cache is not None:
        cache.saw(room, seq)


def _cache() -> HeadCache | None:
    heads = getattr(getattr(socket_server_or_none(), "manager", None), "heads", None)
    return heads if isinstance(heads, HeadCache) else None
