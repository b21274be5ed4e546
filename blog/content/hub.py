"""An event's hub: reads of its state, its wire payloads, and what a blog change makes stale.

The hub page renders from snapshot() with the event's last_seq, then follows the
event's change stream (docs/protocol.md, "Hub stream"); each hub change carries
a payload built here, so the first render and every later change agree.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import current_app
from sqlalchemy import or_, select

from blog.live import push
from blog.models import (
    AgendaSession,
    Change,
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
# Entry changes after which a featured entry's card may look different.
_ENTRY_TYPES = (
    push.ENTRY_EDITED,
    push.ENTRY_RETRACTED,
    push.ENTRY_PINNED,
    push.ENTRY_UNPINNED,
    push.ENTRY_KEY_CHANGED,
)
_KEY_TYPES = (push.ENTRY_EDITED, push.ENTRY_RETRACTED, push.ENTRY_KEY_CHANGED)


def _fresh(stmt):
    # Writers build payloads from these reads after taking the event's lock, in a
    # session whose identity map may hold rows read before it: re-read them.
    db.session.flush()
    return db.session.scalars(stmt.execution_options(populate_existing=True))


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


def features_payload(event: Event) -> dict:
    """The lead slot and the other features in order; entries no longer published drop out."""
    lead, rest = None, []
    for feature in features_of(event):
        card = _feature_card(feature)
        if card is None:
            continue
        if feature.is_lead and lead is None:
            lead = card
        else:
            rest.append(card)
    return {"lead": lead, "features": rest}


def _feature_card(feature: HubFeature) -> dict | None:
    entry = _get(Entry, feature.entry_id) if feature.entry_id else None
    if feature.entry_id and (entry is None or entry.status != EntryStatus.PUBLISHED):
        return None
    blog = _get(LiveBlog, entry.blog_id if entry else feature.blog_id)
    return {
        "id": feature.id,
        "position": feature.position,
        "lead": feature.is_lead,
        "kind": "entry" if entry else "blog",
        "blog": push.blog_card(blog),
        "entry": push.entry_card(entry) if entry else None,
    }


def _get(model, object_id):
    return db.session.get(model, object_id, populate_existing=True)


def key_moments_payload(event: Event) -> dict:
    """The hub's key moments list, newest first."""
    return {"key_moments": [push.key_moment_card(e) for e in key_moments(event)]}


def summary_payload(event: Event) -> dict:
    """The editor's summary as sanitised HTML."""
    return {"summary_html": event.summary_html}


SNAPSHOTS_KEPT = 64


def snapshot_at(event: Event, last_seq: int) -> dict:
    """The hub's snapshot for an event whose stream stands at last_seq, built once per seq.

    Everything in a snapshot changes only with a change on the event's stream,
    so (event, seq) names it in every process; a hub page's revalidation then
    costs the event's row alone instead of the key-moment and feature queries.
    A snapshot built just after a newer change is stored under the older seq:
    it is only ever newer than its key, and the page replays from that seq.
    """
    cache = current_app.extensions.setdefault("showfloor_hub_snapshots", OrderedDict())
    key = (event.id, last_seq)
    state = cache.get(key)
    if state is None:
        state = cache[key] = snapshot(event)
        while len(cache) > SNAPSHOTS_KEPT:
            cache.popitem(last=False)
    return state


def snapshot(event: Event) -> dict:
    """Everything the hub stream keeps current, as of now: what a hub page renders first.

    Read event.last_seq before calling, as the blog page does: a change committed
    in between is then replayed (and dropped by seq) rather than missed.
    """
    blogs = _fresh(select(LiveBlog).where(LiveBlog.event_id == event.id).order_by(LiveBlog.id))
    return {
        "event": push.event_card(event),
        "summary_html": event.summary_html,
        "blogs": [push.blog_card(b) for b in blogs],
        "agenda": [push.session_card(s) for s in agenda_of(event)],
        **features_payload(event),
        **key_moments_payload(event),
    }


# ---- blog changes the hub shows too -----------------------------------------

_BUILDERS = {
    push.HUB_FEATURES_CHANGED: features_payload,
    push.KEY_MOMENTS_CHANGED: key_moments_payload,
}
_EMPTY = {
    push.HUB_FEATURES_CHANGED: {"lead": None, "features": []},
    push.KEY_MOMENTS_CHANGED: {"key_moments": []},
}


def stale_after(changes: list[Change]) -> list[tuple[Event, str, LiveBlog | None]]:
    """The hub changes (event, type, blog) these blog changes may call for, in order.

    Cheap by design: a plain new entry, the common write, needs no query at all.
    Build each payload with payload_after once the event's row is locked.
    """
    found: list[tuple[Event, str, LiveBlog | None]] = []
    lists: dict[int, set[str]] = {}
    for change in changes:
        blog = db.session.get(LiveBlog, change.blog_id)
        if change.type == push.BLOG_STATUS_CHANGED:
            found.append((blog.event, push.BLOG_STATUS_CHANGED, blog))
        lists.setdefault(blog.event_id, set()).update(_stale_lists(change, blog))
    for event_id, kinds in lists.items():
        event = db.session.get(Event, event_id)
        found.extend((event, kind, None) for kind in sorted(kinds))
    return found


def payload_after(event: Event, change_type: str, blog: LiveBlog | None) -> dict | None:
    """The payload of a hub change stale_after named, or None if the hub already has it.

    A list (features, key moments) is recorded only if it differs from the last
    one the hub was sent, so a hub change is never a no-op and never missing.
    """
    if change_type == push.BLOG_STATUS_CHANGED:
        return {"blog": push.blog_card(blog)}
    return changed_payload(event, change_type)


def _stale_lists(change: Change, blog: LiveBlog) -> set[str]:
    if change.type == push.BLOG_STATUS_CHANGED:
        return {push.HUB_FEATURES_CHANGED} if _blog_featured(blog) else set()
    entry = db.session.get(Entry, change.entry_id) if change.entry_id else None
    if entry is None:
        return set()
    kinds = set()
    # A plain new entry (the common write) is neither featured nor key: no query.
    if change.type in _KEY_TYPES or entry.is_key:
        kinds.add(push.KEY_MOMENTS_CHANGED)
    if change.type in _ENTRY_TYPES and _entry_featured(blog.event_id, entry.id):
        kinds.add(push.HUB_FEATURES_CHANGED)
    return kinds


def _blog_featured(blog: LiveBlog) -> bool:
    # A feature shows its blog's card, whether it features the blog or one of its entries.
    of_blog = select(Entry.id).where(Entry.blog_id == blog.id)
    stmt = select(HubFeature.id).where(
        HubFeature.event_id == blog.event_id,
        or_(HubFeature.blog_id == blog.id, HubFeature.entry_id.in_(of_blog)),
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _entry_featured(event_id: int, entry_id: int) -> bool:
    stmt = select(HubFeature.id).where(
        HubFeature.event_id == event_id, HubFeature.entry_id == entry_id
    )
    return db.session.scalar(stmt.limit(1)) is not None


def changed_payload(event: Event, kind: str) -> dict | None:
    """The current features or key moments payload, or None if the hub already has it."""
    payload = _BUILDERS[kind](event)
    return None if payload == last_payload(event.id, kind) else payload


def last_payload(event_id: int, change_type: str) -> dict:
    """The payload of the event's newest hub change of this type (empty if none yet)."""
    stmt = (
        select(EventChange.payload)
        .where(EventChange.event_id == event_id, EventChange.type == change_type)
        .order_by(EventChange.seq.desc())
        .limit(1)
    )
    found = db.session.scalar(stmt)
    return found if found is not None else _EMPTY[change_type]
