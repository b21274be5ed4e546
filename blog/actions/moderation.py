"""Moderation: editors approve contributors' pending entries or return them with a note."""

from __future__ import annotations

from blog.actions.audit import audit
from blog.actions.load import load_actor, load_entry, require_live
from blog.actions.stream import (
    commit_and_push,
    record_entry_change,
    review_notice,
    write_action,
)
from blog.content.permissions import can_resubmit, can_review
from blog.content.rendering import clean_text
from blog.live import payloads
from blog.models import Entry, EntryStatus, User
from blog.platform import db
from blog.platform.clock import utcnow
from blog.platform.errors import Conflict, Forbidden, Invalid

MAX_NOTE_CHARS = 2000


def _check_reviewable(actor: User, entry: Entry, base_version) -> None:
    if not can_review(actor, entry.blog.event):
        raise Forbidden("Only the event's editors may approve or return entries.")
    if entry.status != EntryStatus.PENDING:
        raise Invalid(f"This entry is not waiting for review any more (it is {entry.status}).")
    # The editor decides on the text they read: if the contributor changed it
    # meanwhile, show the new text instead of publishing it unseen.
    if base_version is None or str(base_version) != str(entry.version):
        raise Conflict(
            "The contributor changed this entry while you were reading it. Read it again.",
            current={"id": entry.id, "version": entry.version, "source": entry.source},
        )


@write_action
def approve_entry(user: User, entry_id: int, base_version) -> Entry:
    """Publish a pending entry as of now; readers get it live like any other entry."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    _check_reviewable(actor, entry, base_version)
    require_live(entry.blog)
    now = utcnow()
    entry.status = EntryStatus.PUBLISHED
    entry.published_at = entry.updated_at = now
    entry.reviewed_by_id = actor.id
    event_id = entry.blog.event_id
    audit(actor, "entry.approve", "entry", entry.id, event_id, version=entry.version)
    changes = [record_entry_change(payloads.ENTRY_PUBLISHED, entry)]
    commit_and_push(changes, [review_notice(entry, "approved")])
    return entry


def _check_note(note: str) -> str:
    note = clean_text(note or "").strip()
    if not note:
        raise Invalid("Say what to change: a returned entry needs a note.", {"note": "empty"})
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid(f"Keep the note under {MAX_NOTE_CHARS} characters.", {"note": "too long"})
    return note


@write_action
def return_entry(user: User, entry_id: int, base_version, note: str) -> Entry:
    """Send a pending entry back to its author as a draft, with the editor's note."""
    note = _check_note(note)
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    _check_reviewable(actor, entry, base_version)
    entry.status = EntryStatus.DRAFT
    entry.review_note = note
    entry.reviewed_by_id = actor.id
    entry.updated_at = utcnow()
    event_id = entry.blog.event_id
    audit(actor, "entry.return", "entry", entry.id, event_id, version=entry.version, note=note)
    commit_and_push([], [review_notice(entry, "returned")])
    return entry


@write_action
def resubmit_entry(user: User, entry_id: int) -> Entry:
    """Put a contributor's returned (draft) entry back in the review queue."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    if not can_resubmit(actor, entry):
        raise Forbidden("Only the contributor who wrote this entry may resubmit it.")
    if entry.status != EntryStatus.DRAFT:
        raise Invalid(f"Only a returned entry can be resubmitted (this one is {entry.status}).")
    require_live(entry.blog)
    entry.status = EntryStatus.PENDING
    entry.updated_at = utcnow()
    event_id = entry.blog.event_id
    audit(actor, "entry.submit", "entry", entry.id, event_id, version=entry.version)
    commit_and_push([], [review_notice(entry, "submitted")])
    return entry
