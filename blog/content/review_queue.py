"""The review queue's reads: contributors' entries and edits waiting for an editor, per event."""

from __future__ import annotations

from sqlalchemy import func, select

from blog.models import Entry, EntryStatus, Event, LiveBlog, PendingEdit
from blog.platform import db


def pending_entries(event: Event) -> list[Entry]:
    """The event's entries waiting for an editor, oldest first (first come, first read)."""
    stmt = (
        select(Entry)
        .join(LiveBlog, Entry.blog_id == LiveBlog.id)
        .where(LiveBlog.event_id == event.id, Entry.status == EntryStatus.PENDING)
        .order_by(Entry.updated_at, Entry.id)
    )
    return list(db.session.scalars(stmt))


def pending_edits(event: Event) -> list[tuple[PendingEdit, Entry]]:
    """The event's edits of published entries waiting for an editor, oldest first."""
    stmt = (
        select(PendingEdit, Entry)
        .join(Entry, PendingEdit.entry_id == Entry.id)
        .join(LiveBlog, Entry.blog_id == LiveBlog.id)
        .where(LiveBlog.event_id == event.id, Entry.status == EntryStatus.PUBLISHED)
        .order_by(PendingEdit.submitted_at, PendingEdit.id)
    )
    return [(edit, entry) for edit, entry in db.session.execute(stmt).all()]


def pending_counts() -> dict[int, int]:
    """Pending entries and waiting edits per event id."""
    entries = (
        select(LiveBlog.event_id, func.count())
        .join(Entry, Entry.blog_id == LiveBlog.id)
        .where(Entry.status == EntryStatus.PENDING)
        .group_by(LiveBlog.event_id)
    )
    edits = (
        select(LiveBlog.event_id, func.count())
        .join(Entry, Entry.blog_id == LiveBlog.id)
        .join(PendingEdit, PendingEdit.entry_id == Entry.id)
        .where(Entry.status == EntryStatus.PUBLISHED)
        .group_by(LiveBlog.event_id)
    )
    counts = dict(db.session.execute(entries).all())
    for event_id, count in db.session.execute(edits).all():
        counts[event_id] = counts.get(event_id, 0) + count
    return counts
