"""Wire payloads of the change stream and the only caller of socketio.emit."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template

from . import metrics
from .extensions import socketio
from .models import Change, Entry, LiveBlog

# Change types; each is also the name of the server→client socket event.
ENTRY_PUBLISHED = "entry_published"
ENTRY_EDITED = "entry_edited"
ENTRY_RETRACTED = "entry_retracted"
ENTRY_PINNED = "entry_pinned"
ENTRY_UNPINNED = "entry_unpinned"
ENTRY_KEY_CHANGED = "entry_key_changed"
BLOG_STATUS_CHANGED = "blog_status_changed"

CHANGE_TYPES = (
    ENTRY_PUBLISHED,
    ENTRY_EDITED,
    ENTRY_RETRACTED,
    ENTRY_PINNED,
    ENTRY_UNPINNED,
    ENTRY_KEY_CHANGED,
    BLOG_STATUS_CHANGED,
)


def blog_room(blog_id: int) -> str:
    """The Socket.IO room of a blog's readers."""
    return f"blog:{blog_id}"


def blog_id_of_room(room: str) -> int | None:
    """The blog whose readers' room this is, or None for any other room."""
    prefix, _, rest = room.partition(":")
    return int(rest) if prefix == "blog" and rest.isdecimal() else None


def entry_payload(entry: Entry) -> dict:
    """The fields a reader's page needs to place and show one entry."""
    return {
        "entry_id": entry.id,
        "version": entry.version,
        "status": entry.status.value,
        "pinned": entry.is_pinned,
        "key": entry.is_key,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "html": render_template("_entry.html", entry=entry, blog=entry.blog),
    }


def blog_payload(blog: LiveBlog) -> dict:
    """The fields a reader's page needs after a blog's status changed."""
    return {"status": blog.status.value}


def change_message(change: Change) -> dict:
    """The message sent for a change, live or replayed: its payload plus the cursor."""
    return {"blog_id": change.blog_id, "seq": change.seq, "type": change.type, **change.payload}


def emit_change(change: Change) -> None:
    """Send a committed change to every reader following its blog.

    With a message queue the send runs in a background task: Redis is never on
    the write path, so its outage or stall neither fails nor slows the write.
    """
    item = (change.type, change_message(change), blog_room(change.blog_id), change.created_at)
    if current_app.config.get("MESSAGE_QUEUE_URL"):
        _publisher(current_app).put(item)
    else:
        _emit(*item)


def _emit(event: str, message: dict, room: str, written_at) -> None:
    socketio.emit(event, message, to=room)
    metrics.observe_published(event, written_at)


def emit_replay(changes: list[Change], sid: str) -> None:
    """Send missed changes, in seq order, to one reader who just followed."""
    for change in changes:
        # The reader is connected to this process: skip the queue, so a replay
        # neither depends on Redis nor echoes to every other process.
        socketio.emit(change.type, change_message(change), to=sid, ignore_queue=True)


READERS_CHANGED = "readers_changed"


def emit_readers_changed(blog_id: int, readers: int) -> None:
    """Tell a blog's readers how many follow it (not a change: it has no seq)."""
    socketio.emit(READERS_CHANGED, {"blog_id": blog_id, "readers": readers}, to=blog_room(blog_id))


# Editors' desk: notices that are not part of any reader's change stream.
REVIEW_QUEUE_CHANGED = "review_queue_changed"


def review_room(event_id: int) -> str:
    """The editors-only Socket.IO room of an event's review queue."""
    return f"review:{event_id}"


def emit_review_queue_changed(event_id: int, entry_id: int, what: str) -> None:
    """Tell the event's editors that an entry entered or left the review queue (after commit)."""
    message = {"event_id": event_id, "entry_id": entry_id, "what": what}
    item = (REVIEW_QUEUE_CHANGED, message, review_room(event_id), None)
    if current_app.config.get("MESSAGE_QUEUE_URL"):
        _publisher(current_app).put(item)
    else:
        _emit(*item)


# Past this backlog (a stalled queue), changes are dropped: readers replay
# them from the database on their next follow, which the page sends every 30 s.
PUBLISH_BACKLOG = 10_000
logger = logging.getLogger(__name__)


def _publisher(app: Flask) -> _Publisher:
    publisher = app.extensions.get("showfloor_publisher")
    if publisher is None:
        publisher = app.extensions["showfloor_publisher"] = _Publisher()
    return publisher


class _Publisher:
    """One background task per process that emits queued changes in the order given."""

    def __init__(self) -> None:
        self._queue = socketio.server.eio.create_queue()
        socketio.start_background_task(self._run)

    def put(self, item: tuple) -> None:
        """Queue a change for sending; drop it if the backlog is full."""
        if self._queue.qsize() >= PUBLISH_BACKLOG:
            metrics.PUSH_DROPPED.inc()
            logger.warning("push backlog full; change dropped, readers will replay it")
            return
        self._queue.put(item)
        metrics.PUSH_BACKLOG.set(self._queue.qsize())

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                _emit(*item)
            except Exception:  # the publisher must outlive any one bad send
                logger.exception("emitting a change failed; readers will replay it")
            metrics.PUSH_BACKLOG.set(self._queue.qsize())
