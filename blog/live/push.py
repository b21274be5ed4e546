"""The only caller of socketio.emit: rooms, emitting, and the background publisher.

What is sent is built in blog/live/payloads.py; this module decides where it
goes and how: at once in a single process, through a queued background task
when a message queue joins several.
"""

from __future__ import annotations

import logging
from datetime import datetime

import socketio as socketio_lib
from flask import Flask, current_app

from blog.live import broadcast
from blog.live.payloads import change_message, event_change_message
from blog.models import Change, EventChange
from blog.platform import metrics
from blog.platform.extensions import socket_server, socketio

NAMESPACE = "/"
READERS_CHANGED = "readers_changed"
# Editors' desk: notices that are not part of any reader's change stream.
REVIEW_QUEUE_CHANGED = "review_queue_changed"
# Reporters' desk presence: who is on a blog's desk and what they are writing.
DESK_PRESENCE = "desk_presence"

# Past this backlog (a stalled queue), changes are dropped: readers replay
# them from the database on their next follow, which the page sends every 30 s.
PUBLISH_BACKLOG = 10_000
logger = logging.getLogger(__name__)


def blog_room(blog_id: int) -> str:
    """The Socket.IO room of a blog's readers."""
    return f"blog:{blog_id}"


def blog_id_of_room(room: str) -> int | None:
    """The blog whose readers' room this is, or None for any other room."""
    prefix, _, rest = room.partition(":")
    return int(rest) if prefix == "blog" and rest.isdecimal() else None


def event_room(event_id: int) -> str:
    """The Socket.IO room of an event's hub readers."""
    return f"event:{event_id}"


def review_room(event_id: int) -> str:
    """The editors-only Socket.IO room of an event's review queue."""
    return f"review:{event_id}"


def desk_room(blog_id: int) -> str:
    """The Socket.IO room of the reporters and editors working on a blog."""
    return f"desk:{blog_id}"


def emit_change(change: Change) -> None:
    """Send a committed change to every reader following its blog."""
    _forget_validated_pages()
    _send(change.type, change_message(change), blog_room(change.blog_id), change.created_at)


def emit_event_change(change: EventChange) -> None:
    """Send a committed hub change to every reader following its event (as emit_change)."""
    _forget_validated_pages()
    message = event_change_message(change)
    _send(change.type, message, event_room(change.event_id), change.created_at)


def emit_review_queue_changed(event_id: int, entry_id: int, what: str) -> None:
    """Tell the event's editors that an entry entered or left the review queue (after commit)."""
    message = {"event_id": event_id, "entry_id": entry_id, "what": what}
    _send(REVIEW_QUEUE_CHANGED, message, review_room(event_id), None)


def emit_replay(changes: list[Change], sid: str) -> None:
    """Send missed changes, in seq order, to one reader who just followed."""
    for change in changes:
        # The reader is connected to this process: skip the queue, so a replay
        # neither depends on Redis nor echoes to every other process.
        # SocketIO.emit takes ignore_queue (documented); Flask-SocketIO's stubs leave it out.
        socketio.emit(change.type, change_message(change), to=sid, ignore_queue=True)  # type: ignore[call-arg]


class ReplayRun:
    """Missed changes encoded and framed once, for every reader who follows from the same seq."""

    __slots__ = ("last_seq", "framed")

    def __init__(self, last_seq: int | None, framed: broadcast.FramedRun) -> None:
        self.last_seq = last_seq  # None for a run of no changes
        self.framed = framed

    def __len__(self) -> int:
        return len(self.framed)


def replay_run(changes: list[Change]) -> ReplayRun:
    """Missed changes in seq order, encoded once, to be sent to many readers (send_run)."""
    server = socket_server()
    messages = []
    for change in changes:
        messages += broadcast.encode_once(server, change.type, change_message(change), NAMESPACE)
    last_seq = changes[-1].seq if changes else None
    return ReplayRun(last_seq, broadcast.FramedRun(messages))


def send_run(run: ReplayRun, sid: str) -> None:
    """Send an encoded run of missed changes, in seq order, to one reader who just followed.

    Like emit_replay, it skips the queue: the reader is connected to this process.
    """
    server = socket_server()
    eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
    if eio_sid is None:  # the reader left while its follow ran
        return
    broadcast.write_run(server, eio_sid, run.framed)


def emit_event_replay(changes: list[EventChange], sid: str) -> None:
    """Send missed hub changes, in seq order, to one reader who just followed the event."""
    for change in changes:
        # SocketIO.emit takes ignore_queue (documented); Flask-SocketIO's stubs leave it out.
        socketio.emit(change.type, event_change_message(change), to=sid, ignore_queue=True)  # type: ignore[call-arg]


def emit_readers_changed(blog_id: int, readers: int) -> None:
    """Tell this process's readers of a blog how many follow it in all (not a change: no seq).

    Only this process's own readers: every process reads the total from Redis and tells its
    own. Sent through the queue, each process's count would reach every reader of every
    process, a broadcast per process where one frame per reader is enough.
    """
    manager = socket_server().manager
    # The queue's manager publishes; the class after it in the method order delivers here.
    if isinstance(manager, socketio_lib.PubSubManager):
        manager = super(socketio_lib.PubSubManager, manager)
    message = {"blog_id": blog_id, "readers": readers}
    manager.emit(READERS_CHANGED, message, "/", room=blog_room(blog_id))


def emit_desk_presence(blog_id: int, server_id: str, people: list[dict]) -> None:
    """Tell a blog's desk who one server process has there (desks merge the servers' lists)."""
    message = {"blog_id": blog_id, "server": server_id, "people": people}
    socketio.emit(DESK_PRESENCE, message, to=desk_room(blog_id))


def _send(event: str, message: dict, room: str, written_at: datetime | None) -> None:
    # With a message queue the send runs in a background task: Redis is never on
    # the write path, so its outage or stall neither fails nor slows the write.
    if current_app.config.get("MESSAGE_QUEUE_URL"):
        _publisher(current_app).put((event, message, room, written_at))
    else:
        _emit(event, message, room, written_at)


def _forget_validated_pages() -> None:
    # A page's ETag just moved: no remembered page may outlive the change here.
    cache = current_app.extensions.get("showfloor_page_cache")
    if cache is not None:
        cache.forget()


def _emit(event: str, message: dict, room: str, written_at: datetime | None) -> None:
    socketio.emit(event, message, to=room)
    metrics.observe_published(event, written_at)


def _publisher(app: Flask) -> _Publisher:
    publisher = app.extensions.get("showfloor_publisher")
    if publisher is None:
        publisher = app.extensions["showfloor_publisher"] = _Publisher()
    return publisher


class _Publisher:
    """One background task per process that emits queued changes in the order given."""

    def __init__(self) -> None:
        self._queue = socket_server().eio.create_queue()
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
