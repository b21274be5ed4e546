"""Photo use cases: upload a cleaned photo to an event, attach it to an entry. Commit, then push."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blog.actions.entries import check_editable, revision_of
from blog.actions.entry_input import IDEMPOTENCY_KEY
from blog.actions.load import load_actor, load_entry
from blog.actions.pending_edits import hold_edit, holds_for_review, with_photo
from blog.actions.stream import audit, commit_and_push, record_entry_change, write_action
from blog.content import photos
from blog.content.permissions import is_member
from blog.content.rendering import clean_text
from blog.live import payloads
from blog.models import Entry, EntryKind, EntryStatus, Event, Media, User
from blog.platform import db
from blog.platform.clock import utcnow
from blog.platform.errors import Forbidden, Invalid, NotFound

MAX_ALT_CHARS = 500
MAX_CAPTION_CHARS = 1000
MAX_CREDIT_CHARS = 200
# A photo replaces the placeholder of a photo entry, or joins a text entry.
ATTACHABLE_KINDS = (EntryKind.IMAGE, EntryKind.TEXT)


@write_action
def upload_media(
    user: User,
    event_id: int,
    file: BinaryIO,
    alt: str,
    caption: str = "",
    credit: str = "",
) -> Media:
    """Check, clean and store an uploaded photo of an event; alt text is required."""
    return upload_media_once(user, event_id, file, alt, caption, credit, key=None)[0]


@write_action
def upload_media_once(
    user: User,
    event_id: int,
    file: BinaryIO,
    alt: str,
    caption: str = "",
    credit: str = "",
    key: str | None = None,
) -> tuple[Media, bool]:
    """Store a photo once per uploader and key; return it and whether it is new.

    A retried upload with the same key gets the first photo back, so an
    outbox that resends after a lost answer never makes a second one. Cheap
    refusals (rights, missing alt text, key) come before any decoding, and
    the image work runs outside any database transaction.
    """
    _check_member(user, event_id)
    texts = _check_texts(alt, caption, credit)
    key = _check_upload_key(key)
    earlier = _earlier_upload(user, key, event_id)
    db.session.commit()  # end the read: decoding must not hold a transaction open
    if earlier is not None:
        return earlier, False
    try:
        data = photos.read_upload(file, photos.max_upload_bytes())
        image = photos.run_image_work(photos.clean_image, data)
    except photos.ImageRefused as exc:
        raise Invalid(exc.message, {"file": exc.message}) from exc
    stored, variants = photos.store(image)
    try:
        return _insert_media(user, event_id, image, stored, variants, texts, key), True
    except IntegrityError:
        # A concurrent retry with the same key stored its photo first: answer with that one.
        photos.discard(variants)
        db.session.rollback()
        earlier = _earlier_upload(user, key, event_id)
        if earlier is None:
            raise
        return earlier, False
    except BaseException:
        photos.discard(variants)
        raise


def _check_upload_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
        message = "The upload's idempotency key must be 8–64 letters, digits, '-' or '_'."
        raise Invalid(message, {"idempotency_key": "malformed"})
    return key


def _earlier_upload(user: User, key: str | None, event_id: int) -> Media | None:
    if key is None:
        return None
    stmt = select(Media).where(Media.uploader_id == user.id, Media.upload_key == key)
    earlier = db.session.scalar(stmt)
    if earlier is not None and earlier.event_id != event_id:
        raise Invalid("This idempotency key was already used for a photo of another event.")
    return earlier


def _check_texts(alt: str, caption: str, credit: str) -> dict[str, str]:
    texts = {
        "alt": " ".join(clean_text(alt or "").split()),
        "caption": clean_text(caption or "").strip(),
        "credit": " ".join(clean_text(credit or "").split()),
    }
    errors = {}
    if not texts["alt"]:
        errors["alt"] = (
            "Describe the photo in a sentence (alt text) for readers who cannot see it; "
            "it is required."
        )
    limits = {"alt": MAX_ALT_CHARS, "caption": MAX_CAPTION_CHARS, "credit": MAX_CREDIT_CHARS}
    for name, limit in limits.items():
        if len(texts[name]) > limit:
            errors[name] = f"The {name} is too long: at most {limit} characters."
    if errors:
        raise Invalid("The photo was not uploaded: " + " ".join(errors.values()), errors)
    return texts


def _check_member(user: User, event_id: int) -> tuple[User, Event]:
    actor = load_actor(user)
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    if not is_member(actor, event):
        raise Forbidden("You are not assigned to this event, so you cannot upload photos to it.")
    return actor, event


def _insert_media(user, event_id, image, stored, variants, texts, key) -> Media:
    db.begin_write()
    actor, event = _check_member(user, event_id)
    row = Media(
        event_id=event.id,
        uploader_id=actor.id,
        storage_key=stored,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        variants=variants,
        upload_key=key,
        **texts,
    )
    db.session.add(row)
    db.session.flush()
    audit(actor, "media.upload", "media", row.id, event.id, content_type=image.content_type)
    db.session.commit()
    return row


@write_action
def attach_media(user: User, entry_id: int, media_id: int) -> Entry:
    """Put an uploaded photo on an entry, e.g. in place of its "photo coming" placeholder.

    This is an edit: the version goes up, the old version is kept, and readers'
    open pages get entry_edited and show the photo. Attaching the photo the
    entry already has (a retried request) changes nothing.
    """
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    check_editable(actor, entry)
    photo = media_of_event(media_id, entry.blog.event_id)
    if entry.kind not in ATTACHABLE_KINDS:
        raise Invalid(
            f"Only text and photo entries can carry a photo; this one is a {entry.kind.value}."
        )
    if entry.media_id == photo.id and entry.kind == EntryKind.IMAGE:
        db.session.commit()
        return entry
    if holds_for_review(actor, entry):
        # A contributor's photo waits for an editor like any other edit of a live entry.
        hold_edit(actor, entry, with_photo(entry, photo))
        return entry
    db.session.add(revision_of(entry, actor))
    # The photo announced with the text ("Photo coming…") completes the entry rather than
    # changing it: readers are not told it was edited. Any other photo is an edit.
    announced = entry.kind == EntryKind.IMAGE and entry.media_id is None
    entry.media, entry.kind = photo, EntryKind.IMAGE
    entry.version += 1
    if not announced:
        entry.updated_at = utcnow()
    audit(actor, "entry.attach_media", "entry", entry.id, entry.blog.event_id, media_id=photo.id)
    changes = []
    if entry.status == EntryStatus.PUBLISHED:
        changes.append(record_entry_change(payloads.ENTRY_EDITED, entry))
    commit_and_push(changes)
    return entry


def media_of_event(media_id, event_id: int) -> Media:
    """The uploaded photo with that id if it belongs to the event, else refuse."""
    try:
        media_id = int(media_id)
    except (TypeError, ValueError):
        media_id = 0
    photo = db.session.get(Media, media_id) if 0 < media_id < 2**31 else None
    if photo is None or photo.event_id != event_id:
        raise Invalid("That photo was not uploaded to this event.", {"media_id": "unknown photo"})
    return photo
