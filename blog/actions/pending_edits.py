"""Contributors' edits of published entries: held for an editor while readers keep the old."""

from __future__ import annotations

from sqlalchemy import select

from blog.actions.entry_input import ValidEntry
from blog.actions.stream import audit, commit_and_push, review_notice
from blog.content.permissions import needs_approval
from blog.models import Entry, EntryKind, EntryStatus, Media, PendingEdit, User
from blog.platform import clock, db


def holds_for_review(actor: User, entry: Entry) -> bool:
    """Tell whether actor's change of entry must wait for an editor instead of going live."""
    return needs_approval(actor) and entry.status == EntryStatus.PUBLISHED


def pending_edit_of(entry_id: int) -> PendingEdit | None:
    """The edit of the entry waiting for review, if any."""
    return db.session.scalar(select(PendingEdit).where(PendingEdit.entry_id == entry_id))


def hold_edit(
    actor: User, entry: Entry, valid: ValidEntry, coauthor_ids: list[int] | None = None
) -> PendingEdit:
    """Keep a validated edit of a published entry for review; commit, then tell the editors.

    A newer edit replaces the waiting one under the next revision number, so an
    editor who read the older text cannot approve the newer one unseen.
    """
    pending = pending_edit_of(entry.id)
    if pending is None:
        pending = PendingEdit(entry_id=entry.id, revision=0)
        db.session.add(pending)
    pending.revision += 1
    pending.base_version = entry.version
    pending.kind, pending.headline = valid.kind, valid.headline
    pending.source, pending.html = valid.source, valid.html
    pending.speaker_id = valid.speaker.id if valid.speaker else None
    pending.media_id = valid.media.id if valid.media else None
    pending.embed_url, pending.embed = valid.embed_url, valid.embed
    pending.correction_note = valid.correction_note
    pending.context, pending.context_html = valid.context, valid.context_html
    pending.tag_names = list(valid.tag_names)
    pending.coauthor_ids = coauthor_ids
    pending.author_id, pending.submitted_at = actor.id, clock.now()
    db.session.flush()
    event_id = entry.blog.event_id
    audit(actor, "entry.edit_submit", "entry", entry.id, event_id, version=entry.version)
    commit_and_push([], [review_notice(entry, "edited")])
    return pending


def discard_pending_edit(entry_id: int) -> bool:
    """Drop the entry's waiting edit in the caller's transaction; tell whether there was one."""
    pending = pending_edit_of(entry_id)
    if pending is None:
        return False
    db.session.delete(pending)
    db.session.flush()
    return True


def as_valid_entry(pending: PendingEdit, is_key: bool) -> ValidEntry:
    """The waiting edit as a validated entry input, ready to apply (is_key stays the entry's)."""
    return ValidEntry(
        kind=pending.kind,
        source=pending.source,
        html=pending.html,
        headline=pending.headline,
        speaker=pending.speaker,
        tag_names=list(pending.tag_names or []),
        is_key=is_key,
        correction_note=pending.correction_note,
        media=pending.media,
        embed_url=pending.embed_url,
        embed=pending.embed,
        context=pending.context,
        context_html=pending.context_html,
    )


def with_photo(entry: Entry, photo: Media) -> ValidEntry:
    """The entry as it stands with a photo attached: an image entry carrying photo."""
    return ValidEntry(
        kind=EntryKind.IMAGE,
        source=entry.source,
        html=entry.html,
        headline=entry.headline,
        speaker=entry.speaker,
        tag_names=[t.name for t in entry.tags],
        is_key=entry.is_key,
        correction_note=entry.correction_note,
        media=photo,
        embed_url=entry.embed_url,
        embed=entry.embed,
        context=entry.context,
        context_html=entry.context_html,
    )
