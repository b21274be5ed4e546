"""JSON endpoints behind the reporter desk's script: the outbox, preview, speakers, batches.

They use the browser session and a CSRF token sent in the X-CSRFToken header.
An expired session answers 401 JSON (never a redirect) so the outbox can ask
the reporter to log in again and keep every queued entry.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import generate_csrf

from blog import actions
from blog.actions.entry_input import validate_entry
from blog.api.body import ENTRY_FIELDS, TEXT_FIELDS, parsed_json
from blog.api.client_fields import refuse_server_fields
from blog.api.representations import edit_answer, entry_json
from blog.content import queries
from blog.content.permissions import can_post, is_member
from blog.models import Entry, EntryStatus
from blog.platform import clock, limits
from blog.platform.errors import ActionError, Forbidden, Invalid, NotFound

bp = Blueprint("desk_json", __name__, url_prefix="/desk")
# Nothing is scheduled before this year; earlier times are typing mistakes.
MIN_YEAR = 2000


def session_required(view):
    """Answer 401 JSON when nobody is logged in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            body = {"error": "Your session has expired; log in again.", "login_url": "/login"}
            return jsonify(body), 401
        return view(*args, **kwargs)

    return wrapper


def _body() -> dict:
    body = parsed_json()
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.")
    refuse_server_fields(body)
    return body


def _entry_input(body: dict) -> actions.EntryInput:
    values = {k: body[k] for k in ENTRY_FIELDS if k in body and body[k] is not None}
    for name in TEXT_FIELDS:
        if not isinstance(values.get(name, ""), str):
            raise Invalid(f"{name} must be text.")
    return actions.EntryInput(**values)


def _placement(body: dict, tz: str) -> actions.Placement:
    mode = body.get("mode") or "publish"
    batch_id = body.get("batch_id")
    publish_at = parse_local_time(body.get("publish_at"), tz)
    return actions.Placement(mode=mode, publish_at=publish_at, batch_id=batch_id)


def parse_local_time(raw, tz: str) -> datetime | None:
    """Read a time the reporter entered in the event's timezone (ISO, e.g. 2027-03-01T10:30)."""
    if raw in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise Invalid("Give the time as YYYY-MM-DDTHH:MM.", {"publish_at": "format"}) from exc
    if when.year < MIN_YEAR:  # converting such a time to UTC can overflow
        raise Invalid(f"That time is before {MIN_YEAR}: check the year.", {"publish_at": "early"})
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))


def _blog(blog_id: int):
    blog = queries.blog_by_id(blog_id)
    if blog is None:
        raise NotFound("No such live blog.")
    if not can_post(g.user, blog):
        raise Forbidden("You are not assigned to this event, so you cannot post here.")
    return blog


@bp.get("/sw.js")
def service_worker():
    """The desk's service worker, served from /desk/ so it may control the desk pages."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/desk/"
    return response


@bp.get("/session")
@session_required
def session_info():
    """A fresh CSRF token and who is logged in: the outbox calls this before sending."""
    user = {"id": g.user.id, "name": g.user.name, "role": g.user.role.value}
    return jsonify({"csrf_token": generate_csrf(), "user": user})


@bp.post("/blogs/<int:blog_id>/entries")
@session_required
def create_entry(blog_id: int):
    """Post (or draft, schedule, batch) an entry; the same idempotency key returns the first."""
    limits.check("post", g.user)
    body = _body()
    blog = _blog(blog_id)
    placement = _placement(body, blog.event.timezone)
    entry, created = actions.post_entry(
        g.user, blog.id, _entry_input(body), body.get("idempotency_key"), placement
    )
    return jsonify(entry_json(entry)), 201 if created else 200


@bp.post("/entries/<int:entry_id>")
@session_required
def update_entry(entry_id: int):
    """Edit an entry from the base_version the reporter started from (409 with the current)."""
    body = _body()
    base = body.get("base_version")
    if type(base) is not int:  # JSON true is not version 1; "abc", [] and {} are no version
        raise Invalid(
            "base_version (the version you edited) must be an integer.",
            {"base_version": "not an integer"},
        )
    entry = actions.edit_entry(g.user, entry_id, base, _entry_input(body))
    return edit_answer(g.user, entry)


@bp.post("/blogs/<int:blog_id>/preview")
@session_required
def preview(blog_id: int):
    """Render an unsaved entry with the published partial, so the preview is exact."""
    # Each preview is a render in the worker, as costly as a post: limited like one.
    limits.check("preview", g.user)
    blog = _blog(blog_id)
    valid = validate_entry(blog.event, _entry_input(_body()))
    now = clock.now()
    entry = Entry(
        id=0,
        blog=blog,
        author=g.user,
        kind=valid.kind,
        headline=valid.headline,
        source=valid.source,
        html=valid.html,
        speaker=valid.speaker,
        is_key=valid.is_key,
        status=EntryStatus.PUBLISHED,
        version=1,
        correction_note=valid.correction_note,
        context_html=valid.context_html,
        published_at=now,
        updated_at=now,
    )
    entry.tags = []
    html = render_template("_entry.html", entry=entry, blog=blog)
    return jsonify({"html": html, "tags": valid.tag_names})


@bp.get("/events/<int:event_id>/speakers")
@session_required
def speakers(event_id: int):
    """Speakers of the event whose name, title or organisation contains ?q=."""
    event = _member_event(event_id)
    found = queries.speakers_matching(event, request.args.get("q", ""))
    return jsonify({"speakers": [_speaker(s) for s in found[:20]]})


@bp.post("/events/<int:event_id>/speakers")
@session_required
def add_speaker(event_id: int):
    """Add a missing speaker to the roster without leaving the composer."""
    event = _member_event(event_id)
    # A roster entry is a post of its own as far as flooding goes.
    limits.check("post", g.user)
    body = _body()
    speaker = actions.add_speaker(
        event,
        str(body.get("name", "")),
        str(body.get("title", "")),
        str(body.get("organization", "")),
        actor=g.user,
    )
    return jsonify(_speaker(speaker)), 201


def _member_event(event_id: int):
    event = queries.event_by_id(event_id)
    if event is None:
        raise NotFound("No such event.")
    if not (g.user.active and is_member(g.user, event)):
        raise Forbidden("You are not assigned to this event.")
    return event


def _speaker(speaker) -> dict:
    return {"id": speaker.id, "name": speaker.name, "attribution": speaker.attribution}


@bp.errorhandler(ActionError)
def _refused(exc: ActionError):
    return jsonify(exc.to_json()), exc.status
