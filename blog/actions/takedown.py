"""Takedowns in the change streams: a retracted or superseded entry's words leave every old change.

Replays and the HTTP cursors serve stored changes to anyone, so a change row
that still held a retracted entry's text, or an edited entry's older version,
would keep publishing it. Inside the transaction that retracts or edits, the
entry's earlier blog changes become tombstones (same seq and type, no text:
docs/protocol.md §4), and the hub's earlier lists drop the entry's card or
carry its current one. Revisions stay in entry_revision for staff.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Text, cast, select

from blog.live import payloads
from blog.models import Change, Entry, EventChange, LiveBlog
from blog.platform import db

# Hub changes whose payloads hold entry cards (features, key moments).
HUB_LIST_TYPES = (payloads.HUB_FEATURES_CHANGED, payloads.KEY_MOMENTS_CHANGED)


def rewrite_history(changes: Sequence[Change | EventChange]) -> None:
    """Take retracted and superseded entry text out of the stored streams.

    changes are this transaction's changes; its hub changes are left as built:
    they already show the entry as it is now.
    """
    recorded = [c for c in changes if isinstance(c, EventChange)]
    for change in changes:
        if not isinstance(change, Change) or change.entry_id is None:  # entry changes only
            continue
        if change.type == payloads.ENTRY_RETRACTED:
            take_down(change.entry_id, change.blog_id, recorded)
        elif change.type == payloads.ENTRY_EDITED:
            supersede(change, recorded)


def tombstone(entry_id: int, superseded_by: int | None = None) -> dict:
    """The payload of a change whose entry text was taken down."""
    payload: dict = {"entry_id": entry_id, "taken_down": True}
    if superseded_by is not None:
        payload["superseded_by"] = superseded_by
    return payload


def take_down(entry_id: int, blog_id: int, recorded: list[EventChange]) -> None:
    """Make every change of a retracted entry a tombstone and drop it from old hub lists."""
    for change in _entry_changes(entry_id, blog_id):
        change.payload = tombstone(entry_id)
    for listed in _hub_lists_naming(entry_id, blog_id, recorded):
        listed.payload = _hub_payload_with(listed.type, listed.payload, entry_id, None)


def supersede(edit: Change, recorded: list[EventChange]) -> None:
    """Make an edited entry's earlier changes tombstones pointing at the edit's seq.

    The hub's earlier lists show the entry's current card instead of the old one.
    """
    entry_id = edit.entry_id
    if entry_id is None:  # an edit always names the entry it changed
        raise ValueError("An entry_edited change needs its entry_id.")
    entry = db.session.get(Entry, entry_id)
    for change in _entry_changes(entry_id, edit.blog_id):
        if change.seq < edit.seq:
            change.payload = tombstone(entry_id, superseded_by=edit.seq)
    for listed in _hub_lists_naming(entry_id, edit.blog_id, recorded):
        listed.payload = _hub_payload_with(listed.type, listed.payload, entry_id, entry)


def _entry_changes(entry_id: int, blog_id: int) -> list[Change]:
    # blog_id first: the (blog_id, seq) index narrows the scan to one blog.
    stmt = select(Change).where(Change.blog_id == blog_id, Change.entry_id == entry_id)
    return list(db.session.scalars(stmt))


def _hub_lists_naming(
    entry_id: int, blog_id: int, recorded: list[EventChange]
) -> list[EventChange]:
    """The event's stored features and key-moment changes that carry this entry's card."""
    event_id = db.session.get_one(LiveBlog, blog_id).event_id
    db.session.flush()
    # A cheap text filter in the database; _names() below decides exactly.
    stmt = select(EventChange).where(
        EventChange.event_id == event_id,
        EventChange.type.in_(HUB_LIST_TYPES),
        cast(EventChange.payload, Text).like(f'%"entry_id": {int(entry_id)}%'),
    )
    fresh = {id(c) for c in recorded}
    found = db.session.scalars(stmt)
    return [c for c in found if id(c) not in fresh and _names(c.type, c.payload, entry_id)]


def _names(change_type: str, payload: dict, entry_id: int) -> bool:
    if change_type == payloads.KEY_MOMENTS_CHANGED:
        return any(k.get("entry_id") == entry_id for k in payload.get("key_moments", []))
    return any(_card_entry_id(card) == entry_id for card in _feature_cards(payload))


def _feature_cards(payload: dict) -> list[dict]:
    lead = payload.get("lead")
    return ([lead] if lead else []) + list(payload.get("features", []))


def _card_entry_id(card: dict) -> int | None:
    entry = card.get("entry")
    return entry.get("entry_id") if entry else None


def _hub_payload_with(change_type: str, payload: dict, entry_id: int, entry: Entry | None) -> dict:
    """The payload with the entry's cards removed (entry None) or replaced by its current card."""
    if change_type == payloads.KEY_MOMENTS_CHANGED:
        current = payloads.key_moment_card(entry) if entry else None
        moments = [current if k.get("entry_id") == entry_id else k for k in payload["key_moments"]]
        return {**payload, "key_moments": [k for k in moments if k is not None]}
    lead = _feature_with(payload.get("lead"), entry_id, entry)
    features = [_feature_with(c, entry_id, entry) for c in payload.get("features", [])]
    return {**payload, "lead": lead, "features": [c for c in features if c is not None]}


def _feature_with(card: dict | None, entry_id: int, entry: Entry | None) -> dict | None:
    if card is None or _card_entry_id(card) != entry_id:
        return card
    return {**card, "entry": payloads.entry_card(entry)} if entry else None
