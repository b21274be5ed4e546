"""Wire payloads of the change stream and the only caller of socketio.emit."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template
from markupsafe import Markup

from blog.content import photos
from blog.models import (
    AgendaSession,
    Change,
    Entry,
    EntryStatus,
    Event,
    EventChange,
    LiveBlog,
    Media,
)
from blog.platform import db, metrics
from blog.platform.extensions import socketio

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
        # Only a published entry's text goes on the wire: a retraction must not
        # carry the words it takes down.
        "html": render_template("_entry.html", entry=entry, blog=entry.blog)
        if entry.status == EntryStatus.PUBLISHED
        else None,
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
    _forget_validated_pages()
    if current_app.config.get("MESSAGE_QUEUE_URL"):
        _publisher(current_app).put(item)
    else:
        _emit(*item)


def _forget_validated_pages() -> None:
    # A page's ETag just moved: no remembered page may outlive the change here.
    cache = current_app.extensions.get("showfloor_page_cache")
    if cache is not None:
        cache.forget()


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


# ---- the hub stream: one per event, numbered like a blog's (docs/protocol.md) ----

HUB_FEATURES_CHANGED = "hub_features_changed"
HUB_SUMMARY_CHANGED = "hub_summary_changed"
KEY_MOMENTS_CHANGED = "key_moments_changed"
AGENDA_CHANGED = "agenda_changed"
BLOG_CHANGED = "blog_changed"
EVENT_CHANGED = "event_changed"
# BLOG_STATUS_CHANGED is also a hub change type: a blog's card moved group.

EVENT_CHANGE_TYPES = (
    HUB_FEATURES_CHANGED,
    HUB_SUMMARY_CHANGED,
    KEY_MOMENTS_CHANGED,
    AGENDA_CHANGED,
    BLOG_CHANGED,
    BLOG_STATUS_CHANGED,
    EVENT_CHANGED,
)
KEY_MOMENT_TEXT_CHARS = 160


def event_room(event_id: int) -> str:
    """The Socket.IO room of an event's hub readers."""
    return f"event:{event_id}"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def blog_path(event: Event, blog: LiveBlog) -> str:
    """A blog's reader page; built by hand because pushes run outside any request."""
    return f"/e/{event.slug}/{blog.slug}/"


def blog_card(blog: LiveBlog) -> dict:
    """A blog as the hub shows it: title, status, link, session and times."""
    return {
        "id": blog.id,
        "slug": blog.slug,
        "title": blog.title,
        "description": blog.description,
        "status": blog.status.value,
        "url": blog_path(blog.event, blog),
        "session_id": blog.session_id,
        "default_order": blog.default_order,
        "starts_at": _iso(blog.starts_at),
        "started_at": _iso(blog.started_at),
        "ended_at": _iso(blog.ended_at),
    }


def session_card(session: AgendaSession) -> dict:
    """An agenda session as the hub shows it; times in UTC ISO 8601."""
    return {
        "id": session.id,
        "title": session.title,
        "stage": session.stage,
        "description": session.description,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "speakers": [
            {"id": s.id, "name": s.name, "attribution": s.attribution} for s in session.speakers
        ],
    }


def entry_card(entry: Entry) -> dict:
    """A featured entry: the reader payload (its rendered HTML) plus where it lives."""
    return {
        **entry_payload(entry),
        "blog_id": entry.blog_id,
        "url": f"{blog_path(entry.blog.event, entry.blog)}entries/{entry.id}",
    }


def key_moment_card(entry: Entry) -> dict:
    """A key moment in the hub's list: headline or plain-text excerpt, time and link."""
    text = Markup(entry.html).striptags()
    if len(text) > KEY_MOMENT_TEXT_CHARS:
        text = text[: KEY_MOMENT_TEXT_CHARS - 1].rstrip() + "…"
    return {
        "entry_id": entry.id,
        "blog_id": entry.blog_id,
        "blog_title": entry.blog.title,
        "headline": entry.headline,
        "text": text,
        "published_at": _iso(entry.published_at),
        "url": f"{blog_path(entry.blog.event, entry.blog)}entries/{entry.id}",
    }


def event_card(event: Event) -> dict:
    """An event's own details as the hub's header shows them."""
    return {
        "id": event.id,
        "slug": event.slug,
        "name": event.name,
        "venue": event.venue,
        "city": event.city,
        "timezone": event.timezone,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "description": event.description,
        "cover_media_id": event.cover_media_id,
        "cover": _cover(event),
    }


def _cover(event: Event) -> dict | None:
    """The hub header's cover photo: its sizes and alt text, or None."""
    if event.cover_media_id is None:
        return None
    photo = db.session.get(Media, event.cover_media_id)
    if photo is None or not photo.variants:
        return None
    shown = photos.media_json(photo)
    largest = shown["variants"][-1]
    return {
        "src": shown["src"],
        "srcset": shown["srcset"],
        "alt": shown["alt"],
        "credit": shown["credit"],
        "width": largest["width"],
        "height": largest["height"],
    }


def event_change_message(change: EventChange) -> dict:
    """The message sent for a hub change, live or replayed: its payload plus the cursor."""
    return {"event_id": change.event_id, "seq": change.seq, "type": change.type, **change.payload}


def emit_event_change(change: EventChange) -> None:
    """Send a committed hub change to every reader following its event (as emit_change)."""
    message = event_change_message(change)
    item = (change.type, message, event_room(change.event_id), change.created_at)
    _forget_validated_pages()
    if current_app.config.get("MESSAGE_QUEUE_URL"):
        _publisher(current_app).put(item)
    else:
        _emit(*item)


def emit_event_replay(changes: list[EventChange], sid: str) -> None:
    """Send missed hub changes, in seq order, to one reader who just followed the event."""
    for change in changes:
        socketio.emit(change.type, event_change_message(change), to=sid, ignore_queue=True)


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


# Reporters' desk presence: who is on a blog's desk and what they are writing.
DESK_PRESENCE = "desk_presence"


def desk_room(blog_id: int) -> str:
    """The Socket.IO room of the reporters and editors working on a blog."""
    return f"desk:{blog_id}"


def emit_desk_presence(blog_id: int, server_id: str, people: list[dict]) -> None:
    """Tell a blog's desk who one server process has there (desks merge the servers' lists)."""
    message = {"blog_id": blog_id, "server": server_id, "people": people}
    socketio.emit(DESK_PRESENCE, message, to=desk_room(blog_id))
