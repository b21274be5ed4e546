"""The change stream's write side: seq allocation, change rows, commit then push."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select, update

from blog.actions import takedown
from blog.live import hub_payloads, payloads, push
from blog.models import AuditRecord, Change, Entry, Event, EventChange, LiveBlog, User
from blog.platform import db

# Where the app keeps what on_commit registered.
COMMIT_LISTENERS = "showfloor_commit_listeners"


def next_seq(blog_id: int) -> int:
    """Take the blog's next seq inside the current transaction.

    The UPDATE holds the blog's row lock (PostgreSQL) or the database write
    lock (SQLite) until commit, so seq order is commit order and gapless.
    """
    stmt = (
        update(LiveBlog)
        .where(LiveBlog.id == blog_id)
        .values(last_seq=LiveBlog.last_seq + 1)
        .returning(LiveBlog.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def record_entry_change(change_type: str, entry: Entry) -> Change:
    """Write the change row for an entry's reader-visible change."""
    db.session.flush()
    payload = payloads.entry_payload(entry)
    return _record(entry.blog_id, change_type, payload, entry.id)


def record_blog_change(change_type: str, blog: LiveBlog) -> Change:
    """Write the change row for a change of the blog itself."""
    return _record(blog.id, change_type, payloads.blog_payload(blog), None)


def _record(blog_id: int, change_type: str, payload: dict, entry_id: int | None) -> Change:
    change = Change(
        blog_id=blog_id,
        seq=next_seq(blog_id),
        type=change_type,
        entry_id=entry_id,
        payload=payload,
    )
    db.session.add(change)
    return change


def next_event_seq(event_id: int) -> int:
    """Take the event's next hub seq inside the current transaction (as next_seq does).

    Writers that also take a blog seq take it first: one lock order, no deadlock.
    """
    stmt = (
        update(Event)
        .where(Event.id == event_id)
        .values(last_seq=Event.last_seq + 1)
        .returning(Event.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def lock_event(event_id: int) -> None:
    """Hold the event's row until commit, so hub payloads are built from settled rows.

    FOR NO KEY UPDATE: rows that merely reference the event (audit, changes) still
    insert freely. Take it after any blog lock of the transaction, never before.
    """
    stmt = select(Event.id).where(Event.id == event_id).with_for_update(key_share=True)
    db.session.execute(stmt)


def record_event_change(event: Event, change_type: str, payload: dict) -> EventChange:
    """Write the change row for a reader-visible change of an event's hub."""
    change = EventChange(
        event_id=event.id, seq=next_event_seq(event.id), type=change_type, payload=payload
    )
    db.session.add(change)
    return change


@dataclass(frozen=True)
class ReviewNotice:
    """An entry entered or left its event's review queue; the event's editors hear of it."""

    event_id: int
    entry_id: int
    what: str


def review_notice(entry: Entry, what: str) -> ReviewNotice:
    """The review-queue notice for this entry, to hand to commit_and_push."""
    if entry.id is None:
        db.session.flush()
    return ReviewNotice(entry.blog.event_id, entry.id, what)


def commit_and_push(
    changes: Sequence[Change | EventChange], notices: Sequence[ReviewNotice] = ()
) -> None:
    """Commit the transaction, then hand its changes and notices to push; never the other way round.

    Blog changes the hub shows too (a status, a key moment, a featured entry)
    get their hub change first, in the same transaction, whichever action wrote them.
    Then a retraction or an edit takes the entry's old text out of the stored streams.
    """
    changes = [*changes, *_hub_changes(changes)]
    takedown.rewrite_history(changes)
    db.session.commit()
    _tell_commit_listeners(changes)
    for change in changes:
        if isinstance(change, EventChange):
            push.emit_event_change(change)
        else:
            push.emit_change(change)
    for notice in notices:
        push.emit_review_queue_changed(notice.event_id, notice.entry_id, notice.what)


def on_commit(app: Flask, listener: Callable[[set[int]], object]) -> None:
    """Call listener with the blogs of every commit of blog changes in this process, after it.

    This is how the webhook loops (blog/webhooks/doorbell.py) hear of a change at once.
    """
    app.extensions.setdefault(COMMIT_LISTENERS, []).append(listener)


def _tell_commit_listeners(changes: Sequence[Change | EventChange]) -> None:
    listeners = current_app.extensions.get(COMMIT_LISTENERS)
    if not listeners:
        return  # no webhook loops in this process: nothing to work out on every commit
    blog_ids = {change.blog_id for change in changes if isinstance(change, Change)}
    if blog_ids:
        for listener in listeners:
            listener(blog_ids)


def _hub_changes(changes: Sequence[Change | EventChange]) -> list[EventChange]:
    blog_changes = [c for c in changes if isinstance(c, Change)]
    stale = hub_payloads.stale_after(blog_changes) if blog_changes else []
    for event_id in sorted({event.id for event, _, _ in stale}):
        lock_event(event_id)
    recorded = []
    for event, change_type, blog in stale:
        payload = hub_payloads.payload_after(event, change_type, blog)
        if payload is not None:
            recorded.append(record_event_change(event, change_type, payload))
    return recorded


def write_action(func):
    """Roll the transaction back when an action refuses, so nothing half-done lingers."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return wrapper


def audit(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    event_id: int | None,
    **detail,
) -> None:
    """Record that actor did action to an object; commits with the caller's transaction."""
    db.session.add(
        AuditRecord(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            event_id=event_id,
            detail=detail,
        )
    )
