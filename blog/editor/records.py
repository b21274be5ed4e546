"""The event's records for editors: the audit log per event, entry and person, and the export."""

from __future__ import annotations

import json

from flask import Response, abort, g, render_template, request
from sqlalchemy import select

from blog.archive.export import export_event
from blog.content import queries
from blog.content.permissions import can_read_records
from blog.desk.pages import login_required
from blog.editor import bp
from blog.models import AuditRecord, Entry, User
from blog.platform import db

PAGE_SIZE = 50


def audit_page(where, before: int | None, limit: int = PAGE_SIZE):
    """Audit records matching where, newest first, older than the cursor id; and the next cursor."""
    stmt = select(AuditRecord).where(*where)
    if before is not None:
        stmt = stmt.where(AuditRecord.id < before)
    stmt = stmt.order_by(AuditRecord.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > limit
    return rows[:limit], (rows[limit - 1].id if more else None)


def _cursor() -> int | None:
    raw = request.args.get("before", "")
    if raw and not raw.isdigit():
        abort(400)
    return int(raw) if raw else None


def _render(title: str, where, tz: str = "UTC", **context):
    if not can_read_records(g.user):
        abort(403)
    rows, next_cursor = audit_page(where, _cursor())
    ids = {r.actor_id for r in rows if r.actor_id} | {
        r.object_id for r in rows if r.object_type == "user" and r.object_id
    }
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return render_template(
        "editor/records/log.html",
        title=title,
        rows=rows,
        people=people,
        next_cursor=next_cursor,
        tz=tz,
        **context,
    )


@bp.get("/records/events/<event_slug>/audit")
@login_required
def event_log(event_slug: str):
    """Everything done in one event, newest first."""
    event = queries.event_by_slug(event_slug) or abort(404)
    where = [AuditRecord.event_id == event.id]
    return _render(f"Audit log: {event.name}", where, event.timezone, event=event)


@bp.get("/records/entries/<int:entry_id>/audit")
@login_required
def entry_log(entry_id: int):
    """Everything done to one entry: created, edited, approved, returned, pinned, retracted."""
    entry = db.session.get(Entry, entry_id) or abort(404)
    where = [AuditRecord.object_type == "entry", AuditRecord.object_id == entry.id]
    tz = entry.blog.event.timezone
    return _render(f"Audit log: entry {entry.id}", where, tz, event=entry.blog.event, entry=entry)


@bp.get("/records/people/<int:user_id>/audit")
@login_required
def person_log(user_id: int):
    """What one person did, and what was done to their account."""
    person = db.session.get(User, user_id) or abort(404)
    done_by = AuditRecord.actor_id == person.id
    done_to = (AuditRecord.object_type == "user") & (AuditRecord.object_id == person.id)
    return _render(f"Audit log: {person.name}", [done_by | done_to], person=person)


@bp.get("/records/events/<event_slug>/export.json")
@login_required
def export(event_slug: str):
    """The event's whole coverage as one JSON file, for `flask event import` elsewhere."""
    event = queries.event_by_slug(event_slug) or abort(404)
    if not can_read_records(g.user, event):
        abort(403)
    body = json.dumps(export_event(event), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.json"'
    return response
