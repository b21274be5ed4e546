"""An event's hub: reads of its state (its payloads are built in blog/live/hub_payloads.py)."""

from __future__ import annotations

from sqlalchemy import or_, select

from blog.models import (
    AgendaSession,
    Entry,
    EntryStatus,
    Event,
    EventChange,
    HubFeature,
    LiveBlog,
    Media,
)
from blog.platform import db

MAX_CHANGES = 500
KEY_MOMENTS = 20


def _fresh(stmt):
    # Writers build payloads from these reads after taking the event's lock, in a
    # session whose identity map may hold rows read before it: re-read them.
    db.session.flush()
    return db.session.scalars(stmt.execution_options(populate_existing=True))


def event_fields(event: Event) -> dict:
    """An event's own details, as both the hub's header and the API show them."""
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
    }


def event_by_id(event_id: int) -> Event | None:
    """Find an event by id."""
    return db.session.get(Event, event_id)


def event_changes_since(event_id: int, since: int, limit: int = MAX_CHANGES) -> list[EventChange]:
    """Hub changes of an event with seq greater than since, in seq order."""
    stmt = (
        select(EventChange)
        .where(EventChange.event_id == event_id, EventChange.seq > since)
        .order_by(EventChange.seq)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def features_of(event: Event) -> list[HubFeature]:
    """The event's hub features in the editor's order."""
    stmt = select(HubFeature).where(HubFeature.event_id == event.id)
    return list(_fresh(stmt.order_by(HubFeature.position, HubFeature.id)))


def agenda_of(event: Event) -> list[AgendaSession]:
    """The event's agenda sessions by start time, then stage."""
    stmt = select(AgendaSession).where(AgendaSession.event_id == event.id)
    order = (AgendaSession.starts_at, AgendaSession.stage, AgendaSession.id)
    return list(_fresh(stmt.order_by(*order)))


def media_of(event: Event) -> list[Media]:
    """The event's uploaded images, newest first (the cover picker's choices)."""
    stmt = select(Media).where(Media.event_id == event.id)
    return list(_fresh(stmt.order_by(Media.created_at.desc(), Media.id.desc())))


def key_moments(event: Event, limit: int = KEY_MOMENTS) -> list[Entry]:
    """The newest published key entries across every blog of the event."""
    stmt = (
        select(Entry)
        .join(LiveBlog, Entry.blog_id == LiveBlog.id)
        .where(LiveBlog.event_id == event.id, Entry.is_key)
        .where(Entry.status == EntryStatus.PUBLISHED)
        .order_by(Entry.published_at.desc(), Entry.id.desc())
        .limit(limit)
    )
    return list(_fresh(stmt))


def reread(model: type, object_id: int):
    """A row by id, read again from the database even if the session holds it."""
    return db.session.get(model, object_id, populate_existing=True)


def blogs_of(event: Event) -> list[LiveBlog]:
    """The event's blogs in the order they were made."""
    return list(_fresh(select(LiveBlog).where(LiveBlog.event_id == event.id).order_by(LiveBlog.id)))


def blog_featured(blog: LiveBlog) -> bool:
    """Whether a hub feature shows this blog's card."""
    # A feature shows its blog's card, whether it features the blog or one of its entries.
    of_blog = select(Entry.id).where(Entry.blog_id == blog.id)
    stmt = select(HubFeature.id).where(
        HubFeature.event_id == blog.event_id,
        or_(HubFeature.blog_id == blog.id, HubFeature.entry_id.in_(of_blog)),
    )
    return db.session.scalar(stmt.limit(1)) is not None


def entry_featured(event_id: int, entry_id: int) -> bool:
    """Whether the entry is one of the event's hub features."""
    stmt = select(HubFeature.id).where(
        HubFeature.event_id == event_id, HubFeature.entry_id == entry_id
    )
    return db.session.scalar(stmt.limit(1)) is not None


def newest_payload(event_id: int, change_type: str) -> dict | None:
    """The payload of the event's newest hub change of this type, or None if none yet."""
    stmt = (
        select(EventChange.payload)
        .where(EventChange.event_id == event_id, EventChange.type == change_type)
        .order_by(EventChange.seq.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)
