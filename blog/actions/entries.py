"""Entry use cases: post, edit, retract, pin, mark key. Commit, then push."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from blog.actions.coauthors import (
    audit_detail,
    check_coauthors,
    coauthor_ids,
    name_new_coauthors,
    same_coauthors,
    set_coauthors,
)
from blog.actions.entry_input import (
    CheckedInput,
    EntryInput,
    check_idempotency_key,
    check_input,
    resolve_tags,
    validate_entry,
)
from blog.actions.lifecycle import Placement, initial_status, place
from blog.actions.load import load_actor, load_blog, load_entry, require_live
from blog.actions.pending_edits import hold_edit, holds_for_review, pending_edit_of
from blog.actions.stream import (
    audit,
    commit_and_push,
    record_entry_change,
    review_notice,
    write_action,
)
from blog.content.permissions import can_curate, can_modify, can_post
from blog.live import payloads
from blog.models import BlogStatus, Entry, EntryRevision, EntryStatus, Event, User
from blog.platform import clock, db
from blog.platform.errors import Conflict, Forbidden, Invalid


@write_action
def post_entry(
    user: User,
    blog_id: int,
    data: EntryInput,
    key: str | None,
    placement: Placement | None = None,
) -> tuple[Entry, bool]:
    """Create an entry once per idempotency key; return it and whether it is new.

    placement says whether it goes out now (the default), stays a draft, is
    scheduled for a time, or joins an embargoed batch.
    """
    key = check_idempotency_key(key)
    # Checked and rendered before the write lock: no other writer waits on a render.
    checked = check_input(data)
    db.begin_write()
    existing = _entry_by_key(user.id, key)
    if existing is not None:
        db.session.commit()
        return existing, False
    try:
        entry, changes = _create_entry(load_actor(user), blog_id, data, checked, key, placement)
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its entry.
        db.session.rollback()
        raced = _entry_by_key(user.id, key)
        if raced is None:  # the conflict was another one: let it show
            raise
        return raced, False
    submitted = entry.status == EntryStatus.PENDING
    commit_and_push(changes, [review_notice(entry, "submitted")] if submitted else [])
    return entry, True


# Built once: every post runs it (see blog/actions/tokens.py).
_ENTRY_BY_KEY = select(Entry).where(
    Entry.author_id == bindparam("author_id"), Entry.idempotency_key == bindparam("key")
)


def _entry_by_key(author_id: int, key: str) -> Entry | None:
    return db.session.scalar(_ENTRY_BY_KEY, {"author_id": author_id, "key": key})


def _create_entry(
    actor: User, blog_id: int, data: EntryInput, checked: CheckedInput, key: str, placement
):
    blog = load_blog(blog_id)
    if not can_post(actor, blog):
        raise Forbidden("You are not assigned to this event, so you cannot post here.")
    status = initial_status(actor, blog, placement or Placement())
    data = check_key_flag(actor, blog.event, data, current=False)
    valid = validate_entry(blog.event, data, checked)
    coauthors = check_coauthors(blog.event, actor.id, data.coauthor_ids)
    now = clock.now()
    entry = Entry(
        blog=blog,
        author=actor,
        kind=valid.kind,
        headline=valid.headline,
        source=valid.source,
        html=valid.html,
        speaker=valid.speaker,
        media=valid.media,
        embed_url=valid.embed_url,
        embed=valid.embed,
        context=valid.context,
        context_html=valid.context_html,
        is_key=valid.is_key,
        idempotency_key=key,
        status=status,
        created_at=now,
        updated_at=now,
        published_at=now if status == EntryStatus.PUBLISHED else None,
    )
    place(entry, placement or Placement())
    entry.tags = resolve_tags(blog.event, valid.tag_names)
    db.session.add(entry)
    db.session.flush()
    name_new_coauthors(entry, coauthors)
    detail = {"status": entry.status.value, **audit_detail(coauthors)}
    audit(actor, "entry.create", "entry", entry.id, blog.event_id, **detail)
    if entry.status != EntryStatus.PUBLISHED:
        return entry, []
    return entry, [record_entry_change(payloads.ENTRY_PUBLISHED, entry)]


@write_action
def edit_entry(user: User, entry_id: int, base_version: int | None, data: EntryInput) -> Entry:
    """Replace an entry's content, keeping the old version as a revision.

    base_version is the version the writer started from; if the entry moved on
    since, nothing is written and Conflict carries the current text.
    """
    checked = check_input(data)  # before the blog's lock, as for a new entry
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    check_editable(actor, entry)
    # Only an int can match: a mangled version is a conflict, never a crash.
    if type(base_version) is not int or base_version != entry.version:
        raise Conflict(
            "Someone changed this entry while you were editing it. Compare and choose.",
            current=_entry_snapshot(entry),
        )
    data = check_key_flag(actor, entry.blog.event, data, current=entry.is_key)
    valid = validate_entry(entry.blog.event, data, checked)
    # Unsaid (None), the co-authors stay: an edit that does not name them keeps them.
    coauthors = check_coauthors(entry.blog.event, entry.author_id, data.coauthor_ids)
    if _unchanged(entry, valid) and same_coauthors(entry, coauthors):
        db.session.commit()  # nothing to save: no revision, no version, no push
        return entry
    if holds_for_review(actor, entry):
        # Readers keep the approved version until an editor approves this one.
        hold_edit(actor, entry, valid, coauthor_ids(coauthors))
        return entry
    db.session.add(revision_of(entry, actor))
    apply_edit(entry, valid)
    set_coauthors(entry, coauthors)
    detail = {"version": entry.version, **audit_detail(coauthors)}
    audit(actor, "entry.edit", "entry", entry.id, entry.blog.event_id, **detail)
    changes = []
    if entry.status == EntryStatus.PUBLISHED:
        changes.append(record_entry_change(payloads.ENTRY_EDITED, entry))
    pending = entry.status == EntryStatus.PENDING
    commit_and_push(changes, [review_notice(entry, "edited")] if pending else [])
    return entry


def _unchanged(entry: Entry, valid) -> bool:
    """Tell whether an edit would leave every field as it is."""
    media = getattr(valid, "media", None)
    return (
        entry.kind == valid.kind
        and entry.headline == valid.headline
        and entry.source == valid.source
        and entry.speaker_id == (valid.speaker.id if valid.speaker else None)
        and entry.is_key == valid.is_key
        and entry.correction_note == valid.correction_note
        and [t.name for t in entry.tags] == valid.tag_names
        and entry.media_id == (media.id if media else None)
        and entry.embed_url == getattr(valid, "embed_url", None)
        and entry.context == valid.context
    )


def check_key_flag(actor: User, event: Event, data: EntryInput, current: bool) -> EntryInput:
    """Refuse a key-event flag a non-editor would set or clear; unsaid, it stays as it is."""
    if data.is_key is None:
        return replace(data, is_key=current)
    if bool(data.is_key) != current and not can_curate(actor, event):
        raise Forbidden(
            "is_key: only editors mark key events; send the entry without is_key.",
            {"is_key": "editors only"},
        )
    return data


def check_editable(actor: User, entry: Entry) -> None:
    """Refuse a change of an entry the actor may not touch, or one that is closed."""
    if not can_modify(actor, entry):
        raise Forbidden("You may only change your own entries in events you are assigned to.")
    if entry.status == EntryStatus.RETRACTED:
        raise Invalid("This entry was retracted; it can no longer be changed.")
    if entry.status == EntryStatus.PUBLISHED or entry.blog.status == BlogStatus.ENDED:
        require_live(entry.blog)


def revision_of(entry: Entry, actor: User) -> EntryRevision:
    """The revision that keeps the entry's current text before this actor replaces it."""
    return EntryRevision(
        entry_id=entry.id,
        version=entry.version,
        headline=entry.headline,
        source=entry.source,
        html=entry.html,
        speaker_id=entry.speaker_id,
        media_id=entry.media_id,
        correction_note=entry.correction_note,
        context=entry.context,
        author_id=entry.author_id,
        replaced_by_id=actor.id,
        replaced_at=clock.now(),
    )


def apply_edit(entry: Entry, valid) -> None:
    """Put a validated edit on the entry and count a new version."""
    entry.kind = valid.kind
    entry.headline = valid.headline
    entry.source = valid.source
    entry.html = valid.html
    entry.speaker = valid.speaker
    entry.media = valid.media
    entry.embed_url, entry.embed = valid.embed_url, valid.embed
    entry.is_key = valid.is_key
    entry.correction_note = valid.correction_note
    entry.context, entry.context_html = valid.context, valid.context_html
    entry.tags = resolve_tags(entry.blog.event, valid.tag_names)
    entry.version += 1
    entry.updated_at = clock.now()


def _entry_snapshot(entry: Entry) -> dict:
    return {
        "id": entry.id,
        "version": entry.version,
        "kind": entry.kind.value,
        "headline": entry.headline,
        "source": entry.source,
        "html": entry.html,
        "speaker_id": entry.speaker_id,
        "tags": [t.name for t in entry.tags],
        "is_key": entry.is_key,
        "status": entry.status.value,
    }


@write_action
def retract_entry(user: User, entry_id: int) -> Entry:
    """Take an entry off readers' pages; its text stays in the database."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    check_editable(actor, entry)
    was_published = entry.status == EntryStatus.PUBLISHED
    # A waiting edit of a retracted entry leaves the queue: it can no longer be approved.
    was_pending = entry.status == EntryStatus.PENDING or pending_edit_of(entry.id) is not None
    entry.status = EntryStatus.RETRACTED
    entry.is_pinned = False
    entry.version += 1
    entry.updated_at = clock.now()
    audit(actor, "entry.retract", "entry", entry.id, entry.blog.event_id)
    changes = [record_entry_change(payloads.ENTRY_RETRACTED, entry)] if was_published else []
    commit_and_push(changes, [review_notice(entry, "withdrawn")] if was_pending else [])
    return entry


@write_action
def pin_entry(user: User, entry_id: int, pinned: bool = True) -> Entry:
    """Pin an entry on top of its blog (unpinning the previous one), or unpin it."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    _check_curatable(actor, entry)
    changes = []
    if pinned:
        for other in _pinned_in_blog(entry.blog_id, exclude=entry.id):
            other.is_pinned = False
            changes.append(record_entry_change(payloads.ENTRY_UNPINNED, other))
    if entry.is_pinned != pinned:
        entry.is_pinned = pinned
        audit(
            actor, "entry.pin" if pinned else "entry.unpin", "entry", entry.id, entry.blog.event_id
        )
        kind = payloads.ENTRY_PINNED if pinned else payloads.ENTRY_UNPINNED
        changes.append(record_entry_change(kind, entry))
    commit_and_push(changes)
    return entry


def _pinned_in_blog(blog_id: int, exclude: int) -> list[Entry]:
    stmt = select(Entry).where(Entry.blog_id == blog_id, Entry.is_pinned, Entry.id != exclude)
    return list(db.session.scalars(stmt))


def _check_curatable(actor: User, entry: Entry) -> None:
    if not can_curate(actor, entry.blog.event):
        raise Forbidden("Only editors can pin entries or mark key events.")
    if entry.status != EntryStatus.PUBLISHED:
        raise Invalid("Only published entries can be pinned or marked as key events.")
    require_live(entry.blog)


@write_action
def mark_key_entry(user: User, entry_id: int, is_key: bool = True) -> Entry:
    """Mark or unmark an entry as a key event of its blog."""
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    _check_curatable(actor, entry)
    changes = []
    if entry.is_key != is_key:
        entry.is_key = is_key
        audit(
            actor, "entry.key" if is_key else "entry.unkey", "entry", entry.id, entry.blog.event_id
        )
        changes.append(record_entry_change(payloads.ENTRY_KEY_CHANGED, entry))
    commit_and_push(changes)
    return entry
