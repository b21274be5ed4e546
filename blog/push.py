"""Wire payloads of the change stream and the only caller of socketio.emit."""

from __future__ import annotations

from flask import render_template

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
    return int(rest) if prefix == "blog" and rest.isdigit() else None


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
    """Send a committed change to every reader following its blog."""
    socketio.emit(change.type, change_message(change), to=blog_room(change.blog_id))


def emit_replay(changes: list[Change], sid: str) -> None:
    """Send missed changes, in seq order, to one reader who just followed."""
    for change in changes:
        socketio.emit(change.type, change_message(change), to=sid)


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
    socketio.emit(REVIEW_QUEUE_CHANGED, message, to=review_room(event_id))
