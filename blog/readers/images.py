"""The photo a page is shared with: og:image, JSON-LD and feed images, at absolute URLs."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from blog.models import Entry, EntryKind, EntryStatus, LiveBlog, Media
from blog.platform import db

# Link previews want a large picture; our variants top out near this width.
PREVIEW_WIDTH = 1200


def absolute_media_url(file_name: str) -> str:
    """A stored photo variant's address with the public origin, as other sites need it."""
    return url_for("uploads.serve", name=file_name, _external=True)


def photo_image(photo: Media | None) -> dict | None:
    """A photo as {url, width, height, type, alt, caption}: its largest variant up to 1200 px."""
    if photo is None or not photo.variants:
        return None
    fitting = [v for v in photo.variants if v["width"] <= PREVIEW_WIDTH] or photo.variants[:1]
    variant = fitting[-1]
    return {
        "url": absolute_media_url(variant["file"]),
        "width": variant["width"],
        "height": variant["height"],
        "type": variant["type"],
        "alt": photo.alt,
        "caption": photo.caption,
    }


def latest_photo(blog: LiveBlog) -> Media | None:
    """The photo of the blog's newest published photo entry."""
    stmt = (
        select(Media)
        .join(Entry, Entry.media_id == Media.id)
        .where(
            Entry.blog_id == blog.id,
            Entry.status == EntryStatus.PUBLISHED,
            Entry.kind == EntryKind.IMAGE,
        )
        .order_by(Entry.published_at.desc(), Entry.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def blog_image(blog: LiveBlog) -> dict | None:
    """What a blog page is shared with: its newest photo, else the event's cover."""
    found = photo_image(latest_photo(blog))
    if found is None and blog.event.cover_media_id is not None:
        found = photo_image(db.session.get(Media, blog.event.cover_media_id))
    return found
