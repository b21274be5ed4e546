"""Moderation: editors approve contributors' pending entries or return them with a note."""

from __future__ import annotations

from blog.actions.coauthors import check_coauthors, set_coauthors
from blog.actions.entries import apply_edit, revision_of
from blog.actions.load import load_actor, load_entry, require_live
from blog.actions.pending_edits import as_valid_entry, discard_pending_edit, pending_edit_of
from blog.actions.stream import (
    audit,
    commit_and_push,
    record_entry_change,
    review_notice,
    write_action,
)
from blog.content.permissions import can_resubmit, can_review
from blog.content.rendering import clean_text
from blog.live import payloads
from blog.models import Entry, EntryStatus, PendingEdit, User
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


def _waiting_edit(actor: User, entry: Entry, edit_revision) -> PendingEdit | None:
    """The published entry's edit under review, checked like a pending entry; else None."""
    pending = pending_edit_of(entry.id) if entry.status == EntryStatus.PUBLISHED else None
    if pending is None:
        return None
    if not can_review(actor, entry.blog.event):
        raise Forbidden("Only the event's editors may approve or return entries.")
    # The editor decides on the edit they read: a newer one must be read first.
    if edit_revision is None or str(edit_revision) != str(pending.revision):
        raise Conflict(
            "The contributor changed this edit while you were reading it. Read it again.",
            current={"id": entry.id, "version": entry.version, "source": pending.source},
        )
    return pending


@write_action
def approve_entry(user: User, entry_id: int, base_version, edit_revision=None) -> Entry:
    """Publish a pending entry as of now, or a waiting edit of a published one.

    Readers get either live like any other entry or edit.
    """
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    pending = _waiting_edit(actor, entry, edit_revision)
    if pending is not None:
        return _approve_edit(actor, entry, pending)
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


def _approve_edit(actor: User, entry: Entry, pending: PendingEdit) -> Entry:
    if pending.base_version != entry.version:
        raise Conflict(
            "The entry changed after this edit was made: return it to be redone on the new text.",
            current={"id": entry.id, "version": entry.version, "source": entry.source},
        )
    require_live(entry.blog)
    db.session.add(revision_of(entry, actor))
    apply_edit(entry, as_valid_entry(pending, entry.is_key))
    # Checked again: a co-author may have left the event while the edit waited.
    set_coauthors(entry, check_coauthors(entry.blog.event, entry.author_id, pending.coauthor_ids))
    entry.reviewed_by_id = actor.id
    discard_pending_edit(entry.id)
    event_id = entry.blog.event_id
    audit(actor, "entry.approve_edit", "entry", entry.id, event_id, version=entry.version)
    change = record_entry_change(payloads.ENTRY_EDITED, entry)
    commit_and_push([change], [review_notice(entry, "approved")])
    return entry


def _check_note(note: str) -> str:
    note = clean_text(note or "").strip()
    if not note:
        raise Invalid("Say what to change: a returned entry needs a note.", {"note": "empty"})
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid(f"Keep the note under {MAX_NOTE_CHARS} characters.", {"note": "too long"})
    return note


@write_action
def return_entry(user: User, entry_id: int, base_version, note: str, edit_revision=None) -> Entry:
    """Send a pending entry back to its author as a draft, with the editor's note.

    A waiting edit of a published entry is dropped instead: readers keep the
    published version, and the author reads the note.
    """
    note = _check_note(note)
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    if _waiting_edit(actor, entry, edit_revision) is not None:
        discard_pending_edit(entry.id)  # the published entry itself is left as it is
    else:
        _check_reviewable(actor, entry, base_version)
        entry.status = EntryStatus.DRAFT
        entry.updated_at = utcnow()
    entry.review_note = note
    entry.reviewed_by_id = actor.id
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
