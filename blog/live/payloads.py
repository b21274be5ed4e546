"""What the live path sends: change types and the wire payloads of both change streams.

Built once per change and stored on its change row, so a live push, a replay
and the HTTP cursor all send the same message (docs/protocol.md).
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from blog.content import hub, photos
from blog.models import (
    AgendaSession,
    Change,
    Entry,
    EntryStatus,
    Event,
    EventChange,
    LiveBlog,
    Media,
)
from blog.platform import db
from blog.platform.i18n import in_locale

# Change types; each is also the name of the server→client socket event.
ENTRY_PUBLISHED = "entry_published"
ENTRY_EDITED = "entry_edited"
ENTRY_RETRACTED = "entry_retracted"
ENTRY_PINNED = "entry_pinned"
ENTRY_UNPINNED = "entry_unpinned"
ENTRY_KEY_CHANGED = "entry_key_changed"
BLOG_STATUS_CHANGED = "blog_status_changed"

CHANGE_TYPES = (
    ENTRY_PUBLISHED,
    ENTRY_EDITED,
    ENTRY_RETRACTED,
    ENTRY_PINNED,
    ENTRY_UNPINNED,
    ENTRY_KEY_CHANGED,
    BLOG_STATUS_CHANGED,
)

# Hub change types, one stream per event, numbered like a blog's.
# BLOG_STATUS_CHANGED is also a hub change type: a blog's card moved group.
HUB_FEATURES_CHANGED = "hub_features_changed"
HUB_SUMMARY_CHANGED = "hub_summary_changed"
KEY_MOMENTS_CHANGED = "key_moments_changed"
AGENDA_CHANGED = "agenda_changed"
BLOG_CHANGED = "blog_changed"
EVENT_CHANGED = "event_changed"

KEY_MOMENT_TEXT_CHARS = 160


def entry_payload(entry: Entry) -> dict:
    """The fields a reader's page needs to place and show one entry.

    Its HTML is in the event's own locale, whoever's request caused the change: the
    stored message is the same for every reader, and a page in another language
    relabels the entry's few words from its own table (static/js/l10n.js).
    """
    return {
        "entry_id": entry.id,
        "version": entry.version,
        "status": entry.status.value,
        "pinned": entry.is_pinned,
        "key": entry.is_key,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        # Only a published entry's text goes on the wire: a retraction must not
        # carry the words it takes down.
        "html": _entry_html(entry) if entry.status == EntryStatus.PUBLISHED else None,
    }


def _entry_html(entry: Entry) -> str:
    with in_locale(entry.blog.event.locale):
        return render_template("_entry.html", entry=entry, blog=entry.blog)


def blog_payload(blog: LiveBlog) -> dict:
    """The fields a reader's page needs after a blog's status changed."""
    return {"status": blog.status.value}


def change_message(change: Change) -> dict:
    """The message sent for a change, live or replayed: its payload plus the cursor."""
    return {"blog_id": change.blog_id, "seq": change.seq, "type": change.type, **change.payload}


def event_change_message(change: EventChange) -> dict:
    """The message sent for a hub change, live or replayed: its payload plus the cursor."""
    return {"event_id": change.event_id, "seq": change.seq, "type": change.type, **change.payload}


# ---- the hub's cards --------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def blog_path(event: Event, blog: LiveBlog) -> str:
    """A blog's reader page; built by hand because pushes run outside any request."""
    return f"/e/{event.slug}/{blog.slug}/"


def blog_card(blog: LiveBlog) -> dict:
    """A blog as the hub shows it: title, status, link, session and times."""
    return {
        "id": blog.id,
        "slug": blog.slug,
        "title": blog.title,
        "description": blog.description,
        "status": blog.status.value,
        "url": blog_path(blog.event, blog),
        "session_id": blog.session_id,
        "default_order": blog.default_order,
        "starts_at": _iso(blog.starts_at),
        "started_at": _iso(blog.started_at),
        "ended_at": _iso(blog.ended_at),
    }


def session_card(session: AgendaSession) -> dict:
    """An agenda session as the hub shows it; times in UTC ISO 8601."""
    return {
        "id": session.id,
        "title": session.title,
        "stage": session.stage,
        "description": session.description,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "speakers": [
            {"id": s.id, "name": s.name, "attribution": s.attribution} for s in session.speakers
        ],
    }


def entry_card(entry: Entry) -> dict:
    """A featured entry: the reader payload (its rendered HTML) plus where it lives."""
    return {
        **entry_payload(entry),
        "blog_id": entry.blog_id,
        "url": f"{blog_path(entry.blog.event, entry.blog)}entries/{entry.id}",
    }


def key_moment_card(entry: Entry) -> dict:
    """A key moment in the hub's list: headline or plain-text excerpt, time and link."""
    text = Markup(entry.html).striptags()
    if len(text) > KEY_MOMENT_TEXT_CHARS:
        text = text[: KEY_MOMENT_TEXT_CHARS - 1].rstrip() + "…"
    return {
        "entry_id": entry.id,
        "blog_id": entry.blog_id,
        "blog_title": entry.blog.title,
        "headline": entry.headline,
        "text": text,
        "published_at": _iso(entry.published_at),
        "url": f"{blog_path(entry.blog.event, entry.blog)}entries/{entry.id}",
    }


def event_card(event: Event) -> dict:
    """An event's own details as the hub's header shows them."""
    return {
        **hub.event_fields(event),
        "cover_media_id": event.cover_media_id,
        "cover": _cover(event),
    }


def _cover(event: Event) -> dict | None:
    """The hub header's cover photo: its sizes and alt text, or None."""
    if event.cover_media_id is None:
        return None
    photo = db.session.get(Media, event.cover_media_id)
    if photo is None or not photo.variants:
        return None
    shown = photos.media_json(photo)
    largest = shown["variants"][-1]
    return {
        "src": shown["src"],
        "srcset": shown["srcset"],
        "alt": shown["alt"],
        "credit": shown["credit"],
        "width": largest["width"],
        "height": largest["height"],
    }
