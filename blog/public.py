"""Readers' pages: the list of events, an event's hub, a live blog and an entry."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from . import db, queries
from .models import BlogStatus, EntryStatus, Event

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """List events, newest first."""
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    return render_template("public/index.html", events=events)


@bp.get("/e/<event_slug>/")
def hub(event_slug: str):
    """An event's hub: its blogs live now, upcoming and ended, with their key entries."""
    event = queries.event_by_slug(event_slug) or abort(404)
    groups = queries.blogs_by_status(event)
    keys = {b.id: queries.key_entries(b, limit=3) for b in event.blogs}
    return render_template(
        "public/hub.html", event=event, groups=groups, keys=keys, BlogStatus=BlogStatus
    )


@bp.get("/e/<event_slug>/<blog_slug>/")
def blog_page(event_slug: str, blog_slug: str):
    """A live blog, rendered on the server and then kept live by the page's script."""
    blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    # Read the cursor before the entries: a change committed in between is
    # then replayed (and deduplicated by the client), never missed.
    last_seq = blog.last_seq
    before = _cursor_entry(blog.id)
    entries, more = queries.published_entries(blog, before=before)
    pinned = queries.pinned_entry(blog) if before is None else None
    return render_template(
        "public/blog.html",
        blog=blog,
        event=blog.event,
        entries=[e for e in entries if pinned is None or e.id != pinned.id],
        pinned=pinned,
        more=more,
        last_seq=last_seq,
        older=entries[-1].id if more and entries else None,
        paged=before is not None,
        key_entries=queries.key_entries(blog, limit=10),
    )


def _cursor_entry(blog_id: int):
    """The entry named by ?before=, which must be a published entry of this blog."""
    raw = request.args.get("before")
    if raw is None:
        return None
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    entry = queries.entry_by_id(int(raw)) if raw.isdecimal() else None
    if entry is None or entry.blog_id != blog_id or entry.published_at is None:
        abort(404)
    return entry


@bp.get("/e/<event_slug>/<blog_slug>/entries/<int:entry_id>")
def entry_page(event_slug: str, blog_slug: str, entry_id: int):
    """One entry's permalink page."""
    blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    entry = queries.entry_by_id(entry_id)
    if entry is None or entry.blog_id != blog.id or entry.status != EntryStatus.PUBLISHED:
        abort(404 if entry is None or entry.status != EntryStatus.RETRACTED else 410)
    return render_template("public/entry.html", blog=blog, event=blog.event, entry=entry)
