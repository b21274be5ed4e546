"""Room repair after a lost queue subscription: re-send each room what its readers may have missed.

Redis delivers a published message only to those subscribed at that moment, so
whatever other processes published while this one was cut off (Redis restarted,
flushed, or dropped the subscriber) never reaches this process's readers. The
change tables are the truth: as soon as the listener is subscribed again, this
process reads each of its blog and event rooms' head seq from the database and
replays to the room, from the stored payloads, every change after the last seq
it knows the room received. Readers drop what they already have (an old seq),
so they are level again within seconds instead of at their page's next head
check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from blog.content import hub, queries
from blog.live import push
from blog.live.broadcast import FrameOnceManager
from blog.live.heads import HeadCache
from blog.live.replays import ReplayCache
from blog.platform import db, metrics
from blog.platform.extensions import socket_server_or_none, socketio

logger = logging.getLogger(__name__)

NAMESPACE = "/"
# Past this many changes a repair sends only the newest ones: a page that then
# sees a jump in seq fetches the rest over HTTP (docs/protocol.md, rule 4).
MAX_REPAIR = 1000
# A gap this many changes deep was not a reordering between processes: the
# message is lost for good, and the next repair re-sends from below it anyway.
MAX_AHEAD = 1000


class RoomCursor:
    """How far a room's change stream reached this process's readers, without a hole."""

    def __init__(self, through: int) -> None:
        self.through = through
        self.ahead: set[int] = set()

    def delivered(self, seq: int) -> None:
        """Note a seq sent to the room; `through` moves only while nothing below is missing."""
        if seq <= self.through:
            return
        self.ahead.add(seq)
        while self.through + 1 in self.ahead:
            self.through += 1
            self.ahead.discard(self.through)
        if len(self.ahead) > MAX_AHEAD:
            self.skip_to(max(self.ahead))

    def skip_to(self, seq: int) -> None:
        """Treat everything up to seq as delivered (the readers fetch older gaps themselves)."""
        self.through = max(self.through, seq)
        self.ahead = {s for s in self.ahead if s > self.through}


class DeliveryLog(FrameOnceManager):
    """A client manager that remembers, per occupied blog and event room, how far it delivered.

    It also keeps every room's head seq as last seen here (blog/live/heads.py) and
    the runs of changes recently replayed (blog/live/replays.py).

    It sits below the pub/sub layer, so it sees every local delivery: changes
    this process emitted, changes that came through the queue, and repairs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cursors: dict[str, RoomCursor] = {}
        self.heads = HeadCache()
        self.replays = ReplayCache()
        self.on_subscribed: Callable[[], object] | None = None

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kw):
        """Deliver to this process's clients, noting a change's seq for its room."""
        target = to or room
        # Rooms of streams are named "kind:id"; a socket's own room (a replay to one
        # reader) is not a stream and must not leave a head behind per reader.
        is_stream = isinstance(target, str) and ":" in target
        if is_stream and isinstance(data, dict) and type(data.get("seq")) is int:
            self.heads.saw(target, data["seq"])
            self.note_delivered(namespace or NAMESPACE, target, data["seq"])
        return super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kw
        )

    def note_delivered(self, namespace: str, room: str, seq: int) -> None:
        """Note a change sent to a room that has readers here."""
        cursor = self.cursors.get(room)
        if cursor is not None and room in self.rooms.get(namespace, {}):
            cursor.delivered(seq)

    def note_followed(self, room: str, head: int) -> None:
        """A reader joined room, replayed up to head; a room's first reader sets its cursor."""
        members = self.rooms.get(NAMESPACE, {}).get(room, {})
        if room not in self.cursors or len(members) <= 1:
            self.cursors[room] = RoomCursor(head)

    def occupied_cursors(self) -> list[tuple[str, RoomCursor]]:
        """The cursors of rooms that have readers here; forget those of rooms now empty."""
        occupied = self.rooms.get(NAMESPACE, {})
        for room in [r for r in self.cursors if r not in occupied]:
            del self.cursors[room]
        return list(self.cursors.items())


def note_followed(room: str, head: int) -> None:
    """Tell this process's delivery log that a follower of room was replayed up to head."""
    manager = getattr(socket_server_or_none(), "manager", None)
    if isinstance(manager, DeliveryLog):
        manager.note_followed(room, head)


def init_app(app: Flask) -> None:
    """Repair this process's rooms every time its queue listener is subscribed (again)."""
    manager = getattr(socket_server_or_none(), "manager", None)
    if isinstance(manager, DeliveryLog):
        # Flask-SocketIO's stubs want a task returning None; it ignores what a task returns.
        manager.on_subscribed = lambda: socketio.start_background_task(repair_rooms, app, manager)  # type: ignore[arg-type]


def repair_rooms(app: Flask, manager: DeliveryLog) -> int:
    """Re-send every occupied room the changes after its cursor; return how many were sent."""
    metrics.QUEUE_SUBSCRIBED.inc()
    with app.app_context():
        return db.own_session(_repair_all)(manager)


def _repair_all(manager: DeliveryLog) -> int:
    sent = 0
    # Whatever was published while this process was cut off never arrived here.
    manager.heads.forget_all()
    manager.replays.forget_all()
    for room, cursor in manager.occupied_cursors():
        try:
            sent += _repair_room(room, cursor)
        except SQLAlchemyError:  # the database is down too: the page's head check remains
            logger.exception("repairing %s after resubscribing failed", room)
            db.session.rollback()
    if sent:
        logger.info("queue resubscribed: re-sent %d changes to this process's readers", sent)
    return sent


def _repair_room(room: str, cursor: RoomCursor) -> int:
    """Replay one room's changes after its cursor up to the head in the database."""
    stream = _stream_of(room)
    if stream is None:
        return 0
    head_of, changes_since, send = stream
    kind_id = int(room.partition(":")[2])
    head = head_of(kind_id)
    if head is None or head <= cursor.through:
        return 0
    cursor.skip_to(head - MAX_REPAIR)
    since, sent = cursor.through, 0
    while since < head:
        changes = changes_since(kind_id, since)
        if not changes:
            break
        send(changes, room)  # to the room, on this process only (ignore_queue)
        since, sent = changes[-1].seq, sent + len(changes)
    metrics.CHANGES_REPAIRED.inc(sent)
    return sent


def _stream_of(room: str) -> tuple[Callable, Callable, Callable] | None:
    """How to read a room's head and changes and to send them, by the kind of room."""
    kind, _, rest = room.partition(":")
    if not rest.isdecimal():
        return None
    if kind == push.blog_room(0).partition(":")[0]:
        return _blog_head, queries.changes_since, push.emit_replay
    if kind == push.event_room(0).partition(":")[0]:
        return _event_head, hub.event_changes_since, push.emit_event_replay
    return None


def _blog_head(blog_id: int) -> int | None:
    blog = queries.blog_by_id(blog_id)
    return blog.last_seq if blog is not None else None


def _event_head(event_id: int) -> int | None:
    event = hub.event_by_id(event_id)
    return event.last_seq if event is not None else None
