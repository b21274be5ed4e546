"""The editor's API: events, blogs, the speaker roster and its organisations, agenda sessions.

Each route checks the body's shape and calls the action the editor's screens
call (blog/actions/), so rights, rules, refusals and audit records are theirs.
Creates need an Idempotency-Key; every other write may carry one.
"""

from __future__ import annotations

from flask import g, jsonify

from blog import actions
from blog.api.discovery import event_or_404, today
from blog.api.editor_body import (
    BLOG_FIELDS,
    EVENT_FIELDS,
    SESSION_FIELDS,
    SPEAKER_FIELDS,
    merged,
    typed_body,
)
from blog.api.idempotency import idempotent
from blog.api.representations import blog_json, iso, speaker_json
from blog.api.resources import event_detail, organization_json, session_json
from blog.api.routes import bp
from blog.api.token_auth import token_required
from blog.content import hub, queries
from blog.models import AgendaSession, Event, LiveBlog, Organization, Speaker
from blog.platform.errors import Forbidden, Invalid, NotFound

# ---- events -----------------------------------------------------------------------


@bp.post("/events")
@token_required
@idempotent(required=True)
def create_event():
    """Create an event (editors and admins; not with a token limited to one event)."""
    if g.api_token.event_id is not None:
        raise Forbidden("An event-scoped API token cannot create events; use an unscoped one.")
    body = typed_body(EVENT_FIELDS)
    values = {k: body.get(k, "") for k in EVENT_FIELDS}
    data = actions.EventInput(**values | {"timezone": body.get("timezone", "UTC")})
    event = actions.save_event(g.user, None, data)
    return _event_answer(event, 201)


@bp.patch("/events/<event_slug>")
@token_required
@idempotent()
def update_event(event_slug: str):
    """Change an event's details; fields left out keep their values."""
    event = event_or_404(event_slug)
    body = typed_body(EVENT_FIELDS, ids=("cover_media_id",))
    current = {k: str(getattr(event, k)) for k in EVENT_FIELDS} | {
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "cover_media_id": event.cover_media_id,
    }
    saved = actions.save_event(g.user, event.id, actions.EventInput(**merged(body, current)))
    return _event_answer(saved, 200)


def _event_answer(event: Event, status: int):
    return jsonify(event_detail(hub.reread(Event, event.id), today())), status


# ---- blogs ------------------------------------------------------------------------


@bp.post("/events/<event_slug>/blogs")
@token_required
@idempotent(required=True)
def create_blog(event_slug: str):
    """Add a scheduled blog to the event."""
    event = event_or_404(event_slug)
    body = typed_body(BLOG_FIELDS, ids=("session_id",))
    values = {k: body.get(k, "") or "" for k in BLOG_FIELDS}
    values["default_order"] = body.get("default_order") or "newest"
    data = actions.BlogInput(**values, session_id=body.get("session_id"))
    blog = actions.save_blog(g.user, event.id, None, data)
    return jsonify(blog_json(hub.reread(LiveBlog, blog.id))), 201


@bp.patch("/blogs/<int:blog_id>")
@token_required
@idempotent()
def update_blog(blog_id: int):
    """Change a blog's title, description, session, default order or planned start."""
    blog = queries.blog_by_id(blog_id)
    if blog is None:
        raise NotFound("No such live blog.")
    body = typed_body(BLOG_FIELDS, ids=("session_id",))
    if "slug" in body:
        raise Invalid("A blog's slug is set once, at creation.", {"slug": "cannot change"})
    current = {
        "title": blog.title,
        "description": blog.description,
        "default_order": blog.default_order,
        "starts_at": iso(blog.starts_at) or "",
        "session_id": blog.session_id,
    }
    values = merged(body, current)
    texts = {k: values[k] or "" for k in BLOG_FIELDS if k != "slug"}
    data = actions.BlogInput(**texts, session_id=values["session_id"])
    saved = actions.save_blog(g.user, blog.event_id, blog.id, data)
    return jsonify(blog_json(hub.reread(LiveBlog, saved.id)))


# ---- the roster -------------------------------------------------------------------


@bp.post("/events/<event_slug>/speakers")
@token_required
@idempotent(required=True)
def add_speaker(event_slug: str):
    """Add a speaker to the roster (the event's people, as on the desk); 201 and the speaker."""
    event = event_or_404(event_slug)
    body = typed_body(SPEAKER_FIELDS)
    fields = {k: body.get(k, "") for k in SPEAKER_FIELDS}
    speaker = actions.add_speaker(event, **fields, actor=g.user)
    return jsonify(speaker_json(hub.reread(Speaker, speaker.id))), 201


@bp.patch("/speakers/<int:speaker_id>")
@token_required
@idempotent()
def update_speaker(speaker_id: int):
    """Change a speaker's name, title or organisation (editors)."""
    speaker = hub.reread(Speaker, speaker_id)
    if speaker is None:
        raise NotFound("No such speaker.")
    body = typed_body(SPEAKER_FIELDS)
    org = speaker.organization.name if speaker.organization else ""
    current = {"name": speaker.name, "title": speaker.title, "organization": org}
    saved = actions.edit_speaker(g.user, speaker.id, **merged(body, current))
    return jsonify(speaker_json(hub.reread(Speaker, saved.id)))


@bp.get("/events/<event_slug>/organisations")
def list_organisations(event_slug: str):
    """The organisations the event's speakers speak for, by name."""
    event = event_or_404(event_slug)
    return jsonify(
        {"organisations": [organization_json(o) for o in queries.organizations_of(event)]}
    )


@bp.patch("/organisations/<int:organization_id>")
@token_required
@idempotent()
def rename_organisation(organization_id: int):
    """Rename an organisation (editors); its speakers show the new name."""
    body = typed_body(("name",))
    if "name" not in body:
        raise Invalid("Send the organisation's new name.", {"name": "missing"})
    org = actions.rename_organization(g.user, organization_id, body["name"])
    return jsonify(organization_json(hub.reread(Organization, org.id)))


# ---- agenda -----------------------------------------------------------------------


@bp.get("/events/<event_slug>/agenda")
def agenda(event_slug: str):
    """The event's agenda sessions by start time, with their speakers."""
    event = event_or_404(event_slug)
    return jsonify({"sessions": [session_json(s) for s in hub.agenda_of(event)]})


@bp.post("/events/<event_slug>/agenda")
@token_required
@idempotent(required=True)
def add_session(event_slug: str):
    """Add a session to the agenda; times in the venue's timezone unless they carry an offset."""
    event = event_or_404(event_slug)
    body = typed_body(SESSION_FIELDS, id_lists=("speaker_ids",))
    data = actions.SessionInput(
        **{k: body.get(k, "") for k in SESSION_FIELDS}, speaker_ids=body.get("speaker_ids", [])
    )
    session = actions.save_session(g.user, event.id, None, data)
    return jsonify(session_json(hub.reread(AgendaSession, session.id))), 201


def _session_or_404(session_id: int) -> AgendaSession:
    session = hub.reread(AgendaSession, session_id)
    if session is None:
        raise NotFound("No such agenda session.")
    return session


@bp.patch("/agenda/<int:session_id>")
@token_required
@idempotent()
def update_session(session_id: int):
    """Change an agenda session; fields left out keep their values."""
    session = _session_or_404(session_id)
    body = typed_body(SESSION_FIELDS, id_lists=("speaker_ids",))
    current = {k: getattr(session, k) for k in ("title", "stage", "description")} | {
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "speaker_ids": [s.id for s in session.speakers],
    }
    data = actions.SessionInput(**merged(body, current))
    saved = actions.save_session(g.user, session.event_id, session.id, data)
    return jsonify(session_json(hub.reread(AgendaSession, saved.id)))


@bp.delete("/agenda/<int:session_id>")
@token_required
@idempotent()
def remove_session(session_id: int):
    """Take a session off the agenda; refused while a blog covers it."""
    session = _session_or_404(session_id)
    actions.remove_session(g.user, session.event_id, session.id)
    return "", 204
