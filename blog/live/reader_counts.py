"""How many readers follow each blog: room members counted per process, summed via Redis.

Counts change on every follow, unfollow and disconnect, but readers hear about
it at most once per INTERVAL per blog: thousands of readers arriving at a
keynote's start must not become thousands of broadcasts. Each reader re-follows
every 30 s, which also refreshes this process's share in Redis, so a crashed
process's readers age out after STALE_AFTER seconds.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import redis
from flask import Flask, current_app

from blog.live import push
from blog.platform.extensions import socket_server, socketio

INTERVAL = 5.0
# Let a disconnect finish leaving its rooms before the count is taken.
SETTLE = 0.2
STALE_AFTER = 90
PROCESS_ID = uuid.uuid4().hex[:12]
logger = logging.getLogger(__name__)
# One client (and its connection pool) per Redis URL, not one per count.
_clients: dict[str, redis.Redis] = {}


def local_count(blog_id: int) -> int:
    """Readers of the blog connected to this process."""
    room = push.blog_room(blog_id)
    return sum(1 for _ in socket_server().manager.get_participants("/", room))


def redis_total(url: str, blog_id: int, mine: int, now: float) -> int:
    """Store this process's count and sum every live process's share."""
    key = f"showfloor:readers:{blog_id}"
    client = _clients.get(url) or _clients.setdefault(
        url, redis.Redis.from_url(url, socket_timeout=1)
    )
    client.hset(key, PROCESS_ID, f"{mine}:{now:.0f}")
    client.expire(key, STALE_AFTER)
    total = 0
    for raw in client.hvals(key):
        # Without decode_responses replies are bytes; redis types them bytes | str.
        count, _, stamp = raw.decode().partition(":")  # type: ignore[union-attr]
        if now - float(stamp or 0) <= STALE_AFTER:
            total += int(count)
    return total


@dataclass
class _BlogState:
    last: float = float("-inf")
    sent: int | None = None
    scheduled: bool = False
    forced: bool = False


class ReaderCounter:
    """Throttled `readers_changed` broadcasts, one blog at a time."""

    def __init__(self, interval: float = INTERVAL, clock=time.monotonic, wall=time.time):
        self.interval = interval
        self.clock = clock
        self.wall = wall
        self.blogs: dict[int, _BlogState] = {}

    def changed(self, blog_id: int, queue_url: str | None, joined: bool = False) -> float | None:
        """Note a change; schedule one broadcast unless one is pending. Return its delay.

        A new reader must hear the count even when it did not move (one left as
        it came), so a join forces the next broadcast.
        """
        state = self.blogs.get(blog_id)
        if state is None:  # made only when missing: this runs on every follow
            state = self.blogs[blog_id] = _BlogState()
        state.forced = state.forced or joined
        if state.scheduled:
            return None
        state.scheduled = True
        delay = max(SETTLE, state.last + self.interval - self.clock())
        socketio.start_background_task(self._later, blog_id, delay, queue_url)
        return delay

    def _later(self, blog_id: int, delay: float, queue_url: str | None) -> None:
        # Flask-SocketIO's stubs say whole seconds; it passes any number to the server's sleep.
        socketio.sleep(delay)  # type: ignore[arg-type]
        try:
            self.flush(blog_id, queue_url)
        except Exception:  # a count is cosmetic: never let it kill the task loop
            logger.exception("counting readers failed")

    def flush(self, blog_id: int, queue_url: str | None) -> None:
        """Count now and tell the room if the total moved since the last broadcast."""
        state = self.blogs.setdefault(blog_id, _BlogState())
        state.scheduled = False
        state.last = self.clock()
        total = local_count(blog_id)
        if queue_url:
            total = redis_total(queue_url, blog_id, total, self.wall())
        if total != state.sent or state.forced:
            state.sent, state.forced = total, False
            push.emit_readers_changed(blog_id, total)


def _counter(app: Flask) -> ReaderCounter | None:
    """The app's counter, or None where counting is switched off (READERS_COUNT)."""
    if not app.config.get("READERS_COUNT", True):
        return None
    counter = app.extensions.get("showfloor_readers")
    if counter is None:
        counter = app.extensions["showfloor_readers"] = ReaderCounter()
    return counter


def followed(blog_id: int, joined: bool) -> None:
    """A socket followed a blog (joined: it was not in the room before)."""
    # Flask types current_app as the app; it is a proxy to it, read once here.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    counter = _counter(app)
    if counter is not None:
        counter.changed(blog_id, app.config.get("MESSAGE_QUEUE_URL"), joined)


def left(blog_id: int) -> None:
    """A socket stopped following a blog."""
    followed(blog_id, joined=False)


def left_rooms(rooms) -> None:
    """A socket closed: recount every blog it followed."""
    for room in rooms:
        blog_id = push.blog_id_of_room(room)
        if blog_id is not None:
            left(blog_id)
