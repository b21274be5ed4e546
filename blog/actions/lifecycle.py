"""Drafts, scheduled entries and embargoed batches: entries that go out later.

Each server process runs one release loop; releasing is idempotent under the
blog lock, so several processes may race for the same entry and only one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from blog.actions.load import load_actor, load_blog, load_entry, lock_blog, require_live
from blog.actions.stream import (
    audit,
    commit_and_push,
    record_entry_change,
    review_notice,
    write_action,
)
from blog.content.permissions import can_modify, can_post, can_release_batch, needs_approval
from blog.content.rendering import clean_field
from blog.live import payloads
from blog.models import BlogStatus, EmbargoBatch, Entry, EntryStatus, LiveBlog, User
from blog.platform import clock, db
from blog.platform.errors import Forbidden, Invalid, NotFound
from blog.platform.extensions import socketio

PUBLISH = "publish"
DRAFT = "draft"
SCHEDULE = "schedule"
BATCH = "batch"
MODES = (PUBLISH, DRAFT, SCHEDULE, BATCH)
MAX_AHEAD_YEARS = 5
MAX_AHEAD = timedelta(days=365 * MAX_AHEAD_YEARS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """When a new entry should reach readers: now, never yet, at a time, or with a batch."""

    mode: str = PUBLISH
    publish_at: datetime | None = None
    batch_id: int | None = None


def initial_status(actor: User, blog: LiveBlog, placement: Placement) -> EntryStatus:
    """Check a placement against the rules and return the new entry's status."""
    if placement.mode not in MODES:
        raise Invalid(f"Unknown publishing mode {placement.mode!r}.")
    if blog.status == BlogStatus.ENDED:
        require_live(blog)
    if placement.mode == PUBLISH:
        require_live(blog)
        return EntryStatus.PENDING if needs_approval(actor) else EntryStatus.PUBLISHED
    if placement.mode == DRAFT:
        return EntryStatus.DRAFT
    if needs_approval(actor):
        raise Forbidden("Contributors' entries go to the editors' queue; they cannot be scheduled.")
    if placement.mode == SCHEDULE:
        _check_future(placement.publish_at)
    else:
        _check_batch(blog, placement.batch_id)
    return EntryStatus.SCHEDULED


def _check_future(when: datetime | None, field: str = "publish_at") -> None:
    if when is None:
        raise Invalid("Choose when the entry should be published.", {field: "missing"})
    if when <= clock.now():
        raise Invalid("That time has already passed; choose a time in the future.", {field: "past"})
    # Far-off times (year 9999) overflow date arithmetic on the pages that show them.
    if when > clock.now() + MAX_AHEAD:
        raise Invalid(
            f"That time is too far ahead; choose one within {MAX_AHEAD_YEARS} years.",
            {field: "too far ahead"},
        )


def _check_batch(blog: LiveBlog, batch_id: int | None) -> EmbargoBatch:
    batch = db.session.get(EmbargoBatch, batch_id) if batch_id else None
    if batch is None or batch.blog_id != blog.id:
        raise Invalid("Choose an embargoed batch of this blog.", {"batch_id": "unknown"})
    if batch.released_at is not None:
        raise Invalid("That batch was already released; post the entry directly.")
    return batch


def place(entry: Entry, placement: Placement) -> None:
    """Set the scheduling fields of a new entry from its placement."""
    if placement.mode == SCHEDULE:
        entry.publish_at = placement.publish_at
    if placement.mode == BATCH:
        entry.batch_id = placement.batch_id
        count = select(func.count()).where(Entry.batch_id == placement.batch_id)
        entry.batch_position = db.session.execute(count).scalar_one() + 1


def _publish(entry: Entry, actor: User | None) -> list:
    """Turn a draft or scheduled entry into a published one and record the change."""
    entry.status = EntryStatus.PUBLISHED
    entry.published_at = clock.now()
    entry.updated_at = entry.published_at
    entry.version += 1
    audit(actor, "entry.publish", "entry", entry.id, entry.blog.event_id)
    return [record_entry_change(payloads.ENTRY_PUBLISHED, entry)]


@write_action
def publish_entry(user: User, entry_id: int) -> Entry:
    """Publish a draft or scheduled entry now (a contributor's goes to the queue)."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    if not can_modify(actor, entry):
        raise Forbidden("You may only publish your own entries in events you are assigned to.")
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.SCHEDULED):
        raise Invalid(f"This entry is {entry.status.value}; only drafts can be published.")
    require_live(entry.blog)
    if needs_approval(actor):
        entry.status = EntryStatus.PENDING
        audit(actor, "entry.submit", "entry", entry.id, entry.blog.event_id)
        commit_and_push([], [review_notice(entry, "submitted")])
        return entry
    changes = _publish(entry, actor)
    commit_and_push(changes)
    return entry


@write_action
def create_batch(
    user: User, blog_id: int, name: str, release_at: datetime | None = None
) -> EmbargoBatch:
    """Start an embargoed batch: entries added to it go out together, in order."""
    db.begin_write()
    actor = load_actor(user)
    blog = load_blog(blog_id)
    if not can_post(actor, blog) or needs_approval(actor):
        raise Forbidden("Only reporters and editors of this event can prepare a batch.")
    name = clean_field(name, "The batch's name (e.g. 'Aurora Fold 3 specs')", 120, "name", True)
    if release_at is not None:
        _check_future(release_at, "release_at")
    batch = EmbargoBatch(blog_id=blog.id, name=name, release_at=release_at, created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    audit(actor, "batch.create", "batch", batch.id, blog.event_id, name=batch.name)
    db.session.commit()
    return batch


@write_action
def release_batch(user: User | None, batch_id: int) -> list[Entry]:
    """Publish every entry of a batch in its order, in one transaction (user None: the clock)."""
    db.begin_write()
    actor = load_actor(user) if user is not None else None
    batch = db.session.get(EmbargoBatch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    lock_blog(batch.blog_id)
    db.session.refresh(batch)
    blog = load_blog(batch.blog_id)
    if actor is not None and not can_release_batch(actor, batch, blog):
        raise Forbidden("Only the reporter who prepared this batch, or an editor, can release it.")
    if batch.released_at is not None:
        raise Invalid("This batch was already released.")
    require_live(blog)
    entries = _batch_entries(batch.id)
    changes = [c for entry in entries for c in _publish(entry, actor)]
    batch.released_at = clock.now()
    audit(actor, "batch.release", "batch", batch.id, blog.event_id, entries=len(entries))
    commit_and_push(changes)
    return entries


def _batch_entries(batch_id: int) -> list[Entry]:
    stmt = (
        select(Entry)
        .where(Entry.batch_id == batch_id, Entry.status == EntryStatus.SCHEDULED)
        .order_by(Entry.batch_position, Entry.id)
    )
    return list(db.session.scalars(stmt))


def release_due(now: datetime | None = None) -> int:
    """Publish scheduled entries and batches whose time has come; return how many went out."""
    now = now or clock.now()
    released = 0
    for entry_id in _due_entry_ids(now):
        released += _release_scheduled(entry_id)
    for batch_id in _due_batch_ids(now):
        try:
            released += len(release_batch(None, batch_id))
        except (Invalid, NotFound):
            db.session.rollback()  # released by another process meanwhile, or blog not live
    return released


def _due_entry_ids(now: datetime) -> list[int]:
    stmt = select(Entry.id).where(
        Entry.status == EntryStatus.SCHEDULED,
        Entry.batch_id.is_(None),
        Entry.publish_at <= now,
    )
    ids = list(db.session.scalars(stmt.order_by(Entry.publish_at, Entry.id)))
    db.session.commit()
    return ids


def _due_batch_ids(now: datetime) -> list[int]:
    stmt = select(EmbargoBatch.id).where(
        EmbargoBatch.released_at.is_(None), EmbargoBatch.release_at <= now
    )
    ids = list(db.session.scalars(stmt.order_by(EmbargoBatch.release_at)))
    db.session.commit()
    return ids


@write_action
def _release_scheduled(entry_id: int) -> int:
    db.begin_write()
    entry = load_entry(entry_id)
    # Re-checked under the blog lock: another process may have released it.
    if entry.status != EntryStatus.SCHEDULED or entry.blog.status != BlogStatus.LIVE:
        db.session.commit()
        return 0
    commit_and_push(_publish(entry, None))
    return 1


_started: set[int] = set()


def start_release_loop(app: Flask) -> None:
    """Start this process's release loop once, if the app has an interval configured."""
    interval = app.config.get("SCHEDULER_INTERVAL")
    if not interval or id(app) in _started:
        return
    _started.add(id(app))
    socketio.start_background_task(_loop, app, float(interval))


def _loop(app: Flask, interval: float) -> None:
    while True:
        # Flask-SocketIO's stubs say whole seconds; it passes any number to the server's sleep.
        socketio.sleep(interval)  # type: ignore[arg-type]
        if not app.config.get("SCHEDULER_INTERVAL"):
            return  # switched off: the app is being shut down, its database may be gone
        with app.app_context():
            try:
                release_due()
            except Exception:  # keep the loop alive; the next tick retries
                app.logger.exception("releasing scheduled entries failed")
            finally:
                db.session.remove()
