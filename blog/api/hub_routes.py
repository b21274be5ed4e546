"""The editor's API for an event's hub features, its reporters and its review queue.

Like editor_routes.py, each write calls the action the editor's screens call.
"""

from __future__ import annotations

from flask import g, jsonify

from blog import actions
from blog.api.body import json_body, reject_unknown
from blog.api.discovery import event_or_404
from blog.api.idempotency import idempotent
from blog.api.representations import entry_json
from blog.api.resources import feature_json, pending_edit_json, pending_entry_json, person_json
from blog.api.routes import bp
from blog.api.token_auth import token_required
from blog.content import hub, queries
from blog.content.permissions import STAFF_ROLES, can_curate, can_manage_people, can_review
from blog.content.review_queue import pending_edits, pending_entries
from blog.models import Event, User
from blog.platform.errors import Forbidden, Invalid, NotFound

FEATURE_KEYS = ("blog_id", "entry_id", "lead")

# ---- hub features -----------------------------------------------------------------


def _curated(event_slug: str) -> Event:
    event = event_or_404(event_slug)
    if not can_curate(g.user, event):
        raise Forbidden("Only the event's editors can curate it.")
    return event


@bp.get("/events/<event_slug>/features")
@token_required
def features(event_slug: str):
    """The hub's features in order (editors); `hidden` while a featured entry is not published."""
    event = _curated(event_slug)
    return jsonify({"features": [feature_json(f) for f in hub.features_of(event)]})


@bp.put("/events/<event_slug>/features")
@token_required
@idempotent()
def set_features(event_slug: str):
    """Make the hub's features this ordered list; at most one item carries "lead": true."""
    event = event_or_404(event_slug)
    body = json_body()
    reject_unknown(body, known=("features",))
    wanted = body.get("features")
    if not isinstance(wanted, list) or not all(_feature_item(i) for i in wanted):
        raise Invalid(
            'features must be a list of {"blog_id": id} or {"entry_id": id}, '
            'each with an optional "lead": true.',
            {"features": "not a list of features"},
        )
    done = actions.set_features(g.user, event.id, wanted)
    return jsonify({"features": [feature_json(f) for f in done]})


def _feature_item(item) -> bool:
    if not isinstance(item, dict) or set(item) - set(FEATURE_KEYS):
        return False
    ids_ok = all(type(item.get(k, 1)) is int for k in ("blog_id", "entry_id"))
    return ids_ok and isinstance(item.get("lead", False), bool)


# ---- reporters --------------------------------------------------------------------


def _people_desk(event_slug: str) -> Event:
    event = event_or_404(event_slug)
    # Before any account is looked up: who exists is not for everyone to probe.
    if not can_manage_people(g.user):
        raise Forbidden("Only editors and admins assign people to events.")
    return event


@bp.get("/events/<event_slug>/reporters")
@token_required
def reporters(event_slug: str):
    """The reporters and contributors assigned to the event (editors)."""
    event = _people_desk(event_slug)
    people = sorted(
        (u for u in event.members if u.role in STAFF_ROLES), key=lambda u: (u.name, u.id)
    )
    return jsonify({"reporters": [person_json(u) for u in people]})


def _account(who: str) -> User:
    user = queries.user_by_email(who) if "@" in who else None
    if user is None and who.isdecimal() and len(who) < 10:
        user = queries.user_by_id(int(who))
    if user is None:
        raise NotFound("No such account.")
    return user


@bp.put("/events/<event_slug>/reporters/<who>")
@token_required
@idempotent()
def assign(event_slug: str, who: str):
    """Assign a reporter or contributor (by account id or email) to the event."""
    event = _people_desk(event_slug)
    user = actions.assign_to_event(g.user, _account(who).id, event.id)
    return jsonify(person_json(user))


@bp.delete("/events/<event_slug>/reporters/<who>")
@token_required
@idempotent()
def unassign(event_slug: str, who: str):
    """Take a reporter or contributor (by account id or email) off the event."""
    event = _people_desk(event_slug)
    actions.unassign_from_event(g.user, _account(who).id, event.id)
    return "", 204


# ---- the review queue -------------------------------------------------------------


@bp.get("/events/<event_slug>/review")
@token_required
def review_queue(event_slug: str):
    """Entries and edits of published entries waiting for an editor, oldest first."""
    event = event_or_404(event_slug)
    if not can_review(g.user, event):
        raise Forbidden("Only the event's editors may approve or return entries.")
    return jsonify(
        {
            "entries": [pending_entry_json(e) for e in pending_entries(event)],
            "edits": [pending_edit_json(edit, e) for edit, e in pending_edits(event)],
        }
    )


def _decision_body(known: tuple[str, ...]) -> dict:
    body = json_body()
    reject_unknown(body, known=known)
    for name in ("base_version", "edit_revision"):
        if name in body and type(body[name]) is not int:
            raise Invalid(f"{name} must be an integer.", {name: "not an integer"})
    if "base_version" not in body and "edit_revision" not in body:
        raise Invalid(
            "Send base_version (a waiting entry) or edit_revision (a waiting edit) "
            "as the review queue lists them.",
            {"base_version": "missing"},
        )
    return body


@bp.post("/entries/<int:entry_id>/approve")
@token_required
@idempotent()
def approve(entry_id: int):
    """Publish a waiting entry, or a waiting edit of a published one (editors)."""
    body = _decision_body(("base_version", "edit_revision"))
    entry = actions.approve_entry(
        g.user, entry_id, body.get("base_version"), body.get("edit_revision")
    )
    return jsonify(entry_json(entry))


@bp.post("/entries/<int:entry_id>/return")
@token_required
@idempotent()
def return_entry(entry_id: int):
    """Send a waiting entry back to its author with a note, or drop a waiting edit (editors)."""
    body = _decision_body(("base_version", "edit_revision", "note"))
    if not isinstance(body.get("note", ""), str):
        raise Invalid("note must be a string.", {"note": "not a string"})
    entry = actions.return_entry(
        g.user, entry_id, body.get("base_version"), body.get("note", ""), body.get("edit_revision")
    )
    return jsonify(entry_json(entry))
