"""Loading rows for a write inside its transaction, with readable refusals.

Every curation action names its event (the one in the URL) and loads the rest
through here, so an id of another event's object is "not found", never acted on.
"""

from __future__ import annotations

from sqlalchemy import select

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


def load_blog(blog_id: int) -> LiveBlog:
    """Fetch a blog fresh from the database or refuse with 404."""
    blog = db.session.get(LiveBlog, blog_id, populate_existing=True)
    if blog is None:
        raise NotFound("No such live blog.")
    return blog


def load_entry(entry_id: int) -> Entry:
    """Lock the entry's blog, then fetch the entry fresh, or refuse with 404.

    Every write to a blog's entries first locks the blog row (PostgreSQL; on
    SQLite BEGIN IMMEDIATE already serialises writers), so a version check or
    a status check made after loading cannot be overtaken by a concurrent
    writer: two edits based on the same version cannot both succeed.
    """
    blog_id = db.session.scalar(select(Entry.blog_id).where(Entry.id == entry_id))
    if blog_id is None:
        raise NotFound("No such entry.")
    lock_blog(blog_id)
    entry = db.session.get(Entry, entry_id, populate_existing=True)
    if entry is None:  # deleted while we waited for the lock
        raise NotFound("No such entry.")
    return entry


def lock_blog(blog_id: int) -> None:
    """Hold the blog's row lock until the transaction ends."""
    db.session.execute(select(LiveBlog.id).where(LiveBlog.id == blog_id).with_for_update())


def load_actor(user: User) -> User:
    """Re-read the acting user so a deactivation or role change applies at once."""
    actor = db.session.get(User, user.id, populate_existing=True)
    if actor is None or not actor.active:
        raise Forbidden("Your account is not active.")
    return actor


def require_live(blog: LiveBlog) -> None:
    """Refuse writes to a blog that is not live."""
    if blog.status == BlogStatus.ENDED:
        raise Invalid("This live blog has ended; it is a read-only archive now.")
    if blog.status != BlogStatus.LIVE:
        raise Invalid("This live blog is not live yet; an editor must set it live first.")


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
