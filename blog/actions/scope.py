"""Loading an event and the objects that must belong to it, refusing forged or foreign ids.

Every curation action names its event (the one in the URL) and loads the rest
through here, so an id of another event's object is "not found", never acted on.
"""

from __future__ import annotations

from blog.actions.load import load_actor
from blog.actions.stream import lock_event
from blog.content.permissions import can_curate
from blog.models import (
    AgendaSession,
    BlogStatus,
    Entry,
    Event,
    HubFeature,
    LiveBlog,
    Media,
    Speaker,
    User,
)
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid, NotFound


def as_id(raw) -> int | None:
    """A positive integer id from a form or JSON value, or None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    text = str(raw or "").strip()
    return int(text) if text.isdecimal() and int(text) > 0 else None


def load_event(event_id: int) -> Event:
    """Fetch an event fresh from the database or refuse with 404."""
    event = db.session.get(Event, event_id, populate_existing=True)
    if event is None:
        raise NotFound("No such event.")
    return event


def curator_of(user: User, event_id: int, lock: bool = True) -> tuple[User, Event]:
    """The acting editor, re-read, and the event they curate; refuse anyone else.

    With lock, the event's row is held until commit and the event re-read under
    it. An action that also locks a blog passes lock=False and calls lock_event
    itself, after the blog: one lock order for every writer.
    """
    actor = load_actor(user)
    event = load_event(event_id)
    if not can_curate(actor, event):
        raise Forbidden("Only the event's editors can curate it.")
    if lock:
        lock_event(event.id)
        event = load_event(event.id)
    return actor, event


def _owned(model, object_id, event: Event, what: str):
    found = db.session.get(model, as_id(object_id) or 0, populate_existing=True)
    if found is None or found.event_id != event.id:
        raise NotFound(f"No such {what} in {event.name}.")
    return found


def blog_of(event: Event, blog_id) -> LiveBlog:
    """A blog of this event, or 404."""
    return _owned(LiveBlog, blog_id, event, "live blog")


def session_of(event: Event, session_id) -> AgendaSession:
    """An agenda session of this event, or 404."""
    return _owned(AgendaSession, session_id, event, "agenda session")


def feature_of(event: Event, feature_id) -> HubFeature:
    """A hub feature of this event, or 404."""
    return _owned(HubFeature, feature_id, event, "hub feature")


def media_of(event: Event, media_id) -> Media:
    """An uploaded image of this event, or 404."""
    return _owned(Media, media_id, event, "image")


def speaker_of(event: Event, speaker_id) -> Speaker:
    """A speaker on this event's roster, or 404."""
    return _owned(Speaker, speaker_id, event, "speaker on the roster")


def entry_of(event: Event, entry_id) -> Entry:
    """An entry in one of this event's blogs, or 404."""
    entry = db.session.get(Entry, as_id(entry_id) or 0, populate_existing=True)
    if entry is None or entry.blog.event_id != event.id:
        raise NotFound(f"No such entry in {event.name}.")
    return entry


def require_open(blog: LiveBlog) -> None:
    """Refuse changes to an ended blog: it is a read-only archive."""
    if blog.status == BlogStatus.ENDED:
        raise Invalid(f"“{blog.title}” has ended; it is a read-only archive now.")
