"""The moderation queue: editors approve or return contributors' entries; contributors resubmit."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from blog import actions
from blog.content import queries
from blog.content.permissions import can_review, is_active, needs_approval
from blog.content.review_queue import pending_counts, pending_edits, pending_entries
from blog.desk.pages import login_required
from blog.editor import bp
from blog.models import Entry, EntryStatus, Event, User
from blog.platform import db


@bp.app_template_global()
def my_submissions(user: User | None) -> list[Entry]:
    """A contributor's entries waiting for review or returned with a note, newest first."""
    if not is_active(user) or not needs_approval(user):
        return []
    returned = (Entry.status == EntryStatus.DRAFT) & (Entry.reviewed_by_id.is_not(None))
    stmt = (
        select(Entry)
        .where(Entry.author_id == user.id, (Entry.status == EntryStatus.PENDING) | returned)
        .order_by(Entry.updated_at.desc(), Entry.id.desc())
    )
    return list(db.session.scalars(stmt))


def _event_for_review(event_slug: str) -> Event:
    event = queries.event_by_slug(event_slug) or abort(404)
    if not can_review(g.user, event):
        abort(403)
    return event


@bp.get("/review/")
@login_required
def review():
    """Every event with the number of entries waiting in its queue."""
    if not (is_active(g.user) and g.user.is_editor):
        abort(403)
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id))
    return render_template("editor/review/index.html", events=list(events), counts=pending_counts())


@bp.get("/review/<event_slug>/")
@login_required
def queue(event_slug: str):
    """An event's review queue; a script keeps it current while editors watch."""
    event = _event_for_review(event_slug)
    return render_template("editor/review/queue.html", **_queue_of(event))


@bp.get("/review/<event_slug>/items")
@login_required
def queue_items(event_slug: str):
    """Just the queue's list, which the page's script fetches when the queue changes."""
    event = _event_for_review(event_slug)
    return render_template("editor/review/_queue.html", **_queue_of(event))


def _queue_of(event: Event) -> dict:
    return {"event": event, "entries": pending_entries(event), "edits": pending_edits(event)}


def _back_to_queue(entry_id: int):
    entry = queries.entry_by_id(entry_id) or abort(404)
    return redirect(url_for("editor.queue", event_slug=entry.blog.event.slug))


@bp.post("/review/entries/<int:entry_id>/approve")
@login_required
def approve(entry_id: int):
    """Publish a pending entry now."""
    form = request.form
    actions.approve_entry(g.user, entry_id, form.get("base_version"), form.get("edit_revision"))
    return _back_to_queue(entry_id)


@bp.post("/review/entries/<int:entry_id>/return")
@login_required
def return_(entry_id: int):
    """Send a pending entry back to its contributor with a note."""
    form = request.form
    actions.return_entry(
        g.user, entry_id, form.get("base_version"), form.get("note", ""), form.get("edit_revision")
    )
    return _back_to_queue(entry_id)


@bp.post("/review/entries/<int:entry_id>/resubmit")
@login_required
def resubmit(entry_id: int):
    """Put a returned entry back in the queue (its contributor)."""
    actions.resubmit_entry(g.user, entry_id)
    return redirect(url_for("desk.desk"))
