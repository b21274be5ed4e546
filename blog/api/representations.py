"""How the API and the desk's JSON show an entry, a blog and a speaker."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, url_for

from blog.actions.pending_edits import holds_for_review
from blog.content import photos
from blog.models import Entry, LiveBlog, Speaker


def entry_json(entry: Entry) -> dict:
    """An entry as the API shows it."""
    return {
        "id": entry.id,
        "blog_id": entry.blog_id,
        "kind": entry.kind.value,
        "status": entry.status.value,
        "version": entry.version,
        "headline": entry.headline,
        "source": entry.source,
        "html": entry.html,
        "speaker": speaker_json(entry.speaker) if entry.speaker else None,
        "tags": [t.name for t in entry.tags],
        "media": photos.media_json(entry.media) if entry.media else None,
        "embed": entry.embed,
        "is_key": entry.is_key,
        "is_pinned": entry.is_pinned,
        "correction_note": entry.correction_note,
        "context": entry.context,
        "context_html": entry.context_html,
        "author": entry.author.name,
        # Everyone on the byline, the author first; "author" stays for older clients.
        "authors": [{"id": u.id, "name": u.name} for u in entry.authors],
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "updated_at": entry.updated_at.isoformat(),
        "url": url_for(
            "readers.entry_page",
            event_slug=entry.blog.event.slug,
            blog_slug=entry.blog.slug,
            entry_id=entry.id,
        ),
    }


def speaker_json(speaker: Speaker) -> dict:
    """A speaker of the roster as the API shows it."""
    org = speaker.organization.name if speaker.organization else ""
    return {"id": speaker.id, "name": speaker.name, "title": speaker.title, "organization": org}


def blog_json(blog: LiveBlog) -> dict:
    """A live blog as the API shows it."""
    return {
        "id": blog.id,
        "event": blog.event.slug,
        "slug": blog.slug,
        "title": blog.title,
        "description": blog.description,
        "status": blog.status.value,
        "last_seq": blog.last_seq,
        "default_order": blog.default_order,
        "session_id": blog.session_id,
        "starts_at": iso(blog.starts_at),
        "started_at": iso(blog.started_at),
        "ended_at": iso(blog.ended_at),
        "url": url_for("readers.blog_page", event_slug=blog.event.slug, blog_slug=blog.slug),
    }


def iso(at: datetime | None) -> str | None:
    """A stored time as the API writes it, or None."""
    return at.isoformat() if at is not None else None


def edit_answer(user, entry: Entry):
    """The answer to an edit: 200 and the entry, or 202 while a contributor's edit awaits review.

    A held edit leaves the published version public, so that is what the body shows.
    """
    if holds_for_review(user, entry):
        return jsonify({**entry_json(entry), "pending_review": True}), 202
    return jsonify(entry_json(entry)), 200
