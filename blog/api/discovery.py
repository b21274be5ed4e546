"""Finding events and blogs without a token: the list of events, one event whole, its blogs.

Answers carry an ETag of their content and `Cache-Control: no-cache` like the
readers' pages (blog/platform/caching.py): a client that sends the ETag back in
If-None-Match gets 304 while nothing it would see has changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import g, jsonify, request
from sqlalchemy import select

from blog.api.representations import blog_json
from blog.api.resources import (
    CURRENT,
    EVENT_STATUSES,
    PAST,
    UPCOMING,
    event_detail,
    event_json,
)
from blog.api.routes import bp
from blog.content import hub, queries
from blog.models import Event
from blog.platform import caching, clock, db
from blog.platform.errors import Invalid, NotFound

EVENTS_PER_PAGE = 20
MAX_PAGE = 1_000_000


def event_or_404(event_slug: str) -> Event:
    """The event named in the URL, or 404."""
    event = queries.event_by_slug(event_slug)
    if event is None:
        raise NotFound("No such event.")
    return event


def validated(body: dict):
    """The answer to a read: 304 if the asker's ETag matches its content, else it with one."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    etag = caching.cursor_etag("api", request.path, digest)
    if caching.not_modified(etag, None):
        return caching.unchanged(etag, None)
    return caching.conditional(jsonify(body), etag, None)


def today() -> date:
    """Today's date in UTC: what an event's status is measured against."""
    return clock.now().date()


@bp.get("/events")
def list_events():
    """Events, newest first, 20 a page; ?status=, ?from= and ?to= filter them."""
    stmt = _filtered(select(Event), today())
    token = g.get("api_token")
    if token is not None and token.event_id is not None:
        stmt = stmt.where(Event.id == token.event_id)  # a scoped token sees its event only
    page = _page()
    stmt = stmt.order_by(Event.starts_on.desc(), Event.id.desc())
    rows = list(
        db.session.scalars(stmt.offset((page - 1) * EVENTS_PER_PAGE).limit(EVENTS_PER_PAGE + 1))
    )
    return validated(
        {
            "events": [event_json(e, today()) for e in rows[:EVENTS_PER_PAGE]],
            "page": page,
            "more": len(rows) > EVENTS_PER_PAGE,
        }
    )


def _filtered(stmt, day: date):
    status = request.args.get("status")
    if status is not None and status not in EVENT_STATUSES:
        raise Invalid(f"status must be one of {', '.join(EVENT_STATUSES)}.")
    if status == UPCOMING:
        stmt = stmt.where(Event.starts_on > day)
    elif status == CURRENT:
        stmt = stmt.where(Event.starts_on <= day, Event.ends_on >= day)
    elif status == PAST:
        stmt = stmt.where(Event.ends_on < day)
    first, last = _date_arg("from"), _date_arg("to")
    if first is not None:
        stmt = stmt.where(Event.ends_on >= first)
    if last is not None:
        stmt = stmt.where(Event.starts_on <= last)
    return stmt


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{name} must be a date as YYYY-MM-DD.") from None


def _page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE:
        raise Invalid(f"page must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


@bp.get("/events/<event_slug>")
def get_event(event_slug: str):
    """One event with its blogs, agenda and speaker roster."""
    return validated(event_detail(event_or_404(event_slug), today()))


@bp.get("/events/<event_slug>/blogs")
def list_blogs(event_slug: str):
    """An event's blogs (scheduled, live and ended), in the order they were made."""
    event = event_or_404(event_slug)
    return validated({"blogs": [blog_json(b) for b in hub.blogs_of(event)]})
