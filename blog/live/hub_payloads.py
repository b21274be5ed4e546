"""The hub stream's payloads: the first render's snapshot and what each hub change carries.

The hub page renders from snapshot() with the event's last_seq, then follows the
event's change stream (docs/protocol.md, "Hub stream"); each hub change carries
a payload built here, so the first render and every later change agree.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import current_app

from blog.content import hub
from blog.live import payloads
from blog.live.payloads import (
    BLOG_STATUS_CHANGED,
    ENTRY_EDITED,
    ENTRY_KEY_CHANGED,
    ENTRY_PINNED,
    ENTRY_RETRACTED,
    ENTRY_UNPINNED,
    HUB_FEATURES_CHANGED,
    KEY_MOMENTS_CHANGED,
)
from blog.models import Change, Entry, EntryStatus, Event, HubFeature, LiveBlog
from blog.platform import db

# Entry changes after which a featured entry's card may look different.
_ENTRY_TYPES = (ENTRY_EDITED, ENTRY_RETRACTED, ENTRY_PINNED, ENTRY_UNPINNED, ENTRY_KEY_CHANGED)
_KEY_TYPES = (ENTRY_EDITED, ENTRY_RETRACTED, ENTRY_KEY_CHANGED)
SNAPSHOTS_KEPT = 64


def features_payload(event: Event) -> dict:
    """The lead slot and the other features in order; entries no longer published drop out."""
    lead, rest = None, []
    for feature in hub.features_of(event):
        card = _feature_card(feature)
        if card is None:
            continue
        if feature.is_lead and lead is None:
            lead = card
        else:
            rest.append(card)
    return {"lead": lead, "features": rest}


def _feature_card(feature: HubFeature) -> dict | None:
    entry = hub.reread(Entry, feature.entry_id) if feature.entry_id else None
    if feature.entry_id and (entry is None or entry.status != EntryStatus.PUBLISHED):
        return None
    blog_id = entry.blog_id if entry else feature.blog_id
    if blog_id is None:  # a feature names an entry or a blog; this one names neither
        return None
    blog = hub.reread(LiveBlog, blog_id)
    return {
        "id": feature.id,
        "position": feature.position,
        "lead": feature.is_lead,
        "kind": "entry" if entry else "blog",
        "blog": payloads.blog_card(blog),
        "entry": payloads.entry_card(entry) if entry else None,
    }


def key_moments_payload(event: Event) -> dict:
    """The hub's key moments list, newest first."""
    return {"key_moments": [payloads.key_moment_card(e) for e in hub.key_moments(event)]}


def summary_payload(event: Event) -> dict:
    """The editor's summary as sanitised HTML."""
    return {"summary_html": event.summary_html}


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
    return {
        "event": payloads.event_card(event),
        "summary_html": event.summary_html,
        "blogs": [payloads.blog_card(b) for b in hub.blogs_of(event)],
        "agenda": [payloads.session_card(s) for s in hub.agenda_of(event)],
        **features_payload(event),
        **key_moments_payload(event),
    }


# ---- blog changes the hub shows too -----------------------------------------

_BUILDERS = {
    HUB_FEATURES_CHANGED: features_payload,
    KEY_MOMENTS_CHANGED: key_moments_payload,
}
_EMPTY: dict[str, dict] = {
    HUB_FEATURES_CHANGED: {"lead": None, "features": []},
    KEY_MOMENTS_CHANGED: {"key_moments": []},
}


def stale_after(changes: list[Change]) -> list[tuple[Event, str, LiveBlog | None]]:
    """The hub changes (event, type, blog) these blog changes may call for, in order.

    Cheap by design: a plain new entry, the common write, needs no query at all.
    Build each payload with payload_after once the event's row is locked.
    """
    found: list[tuple[Event, str, LiveBlog | None]] = []
    lists: dict[int, set[str]] = {}
    for change in changes:
        blog = db.session.get_one(LiveBlog, change.blog_id)
        if change.type == BLOG_STATUS_CHANGED:
            found.append((blog.event, BLOG_STATUS_CHANGED, blog))
        lists.setdefault(blog.event_id, set()).update(_stale_lists(change, blog))
    for event_id, kinds in lists.items():
        event = db.session.get_one(Event, event_id)
        found.extend((event, kind, None) for kind in sorted(kinds))
    return found


def payload_after(event: Event, change_type: str, blog: LiveBlog | None) -> dict | None:
    """The payload of a hub change stale_after named, or None if the hub already has it.

    A list (features, key moments) is recorded only if it differs from the last
    one the hub was sent, so a hub change is never a no-op and never missing.
    """
    if change_type == BLOG_STATUS_CHANGED:
        if blog is None:
            raise ValueError("A blog status change needs the blog it changed.")
        return {"blog": payloads.blog_card(blog)}
    return changed_payload(event, change_type)


def _stale_lists(change: Change, blog: LiveBlog) -> set[str]:
    if change.type == BLOG_STATUS_CHANGED:
        return {HUB_FEATURES_CHANGED} if hub.blog_featured(blog) else set()
    entry = db.session.get(Entry, change.entry_id) if change.entry_id else None
    if entry is None:
        return set()
    kinds = set()
    # A plain new entry (the common write) is neither featured nor key: no query.
    if change.type in _KEY_TYPES or entry.is_key:
        kinds.add(KEY_MOMENTS_CHANGED)
    if change.type in _ENTRY_TYPES and hub.entry_featured(blog.event_id, entry.id):
        kinds.add(HUB_FEATURES_CHANGED)
    return kinds


def changed_payload(event: Event, kind: str) -> dict | None:
    """The current features or key moments payload, or None if the hub already has it."""
    payload = _BUILDERS[kind](event)
    return None if payload == last_payload(event.id, kind) else payload


def last_payload(event_id: int, change_type: str) -> dict:
    """The payload of the event's newest hub change of this type (empty if none yet)."""
    found = hub.newest_payload(event_id, change_type)
    return found if found is not None else _EMPTY[change_type]
