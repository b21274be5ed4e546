"""The JSON API: public reads and the change cursor, token-authenticated writes."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from blog import actions
from blog.actions.display_time import EDITORS_ONLY
from blog.api import openapi, token_auth
from blog.api.body import ENTRY_FIELDS, display_time, entry_input, json_body, reject_unknown
from blog.api.idempotency import idempotent, refuse_key_of_other_write
from blog.api.representations import blog_json, edit_answer, entry_json, speaker_json
from blog.api.token_auth import token_required
from blog.content import hub, queries
from blog.live import payloads
from blog.models import BlogStatus, Entry, EntryStatus, LiveBlog
from blog.platform import caching, limits
from blog.platform.errors import ActionError, Forbidden, Invalid, NotFound

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# App-wide, so /api routes of other blueprints (photo uploads) are covered too.
bp.before_app_request(token_auth.check_api_request)


class Gone(ActionError):
    """The entry was retracted: like its permalink page, the API no longer shows it."""

    status = 410


def _blog_or_404(blog_id: int) -> LiveBlog:
    blog = queries.blog_by_id(blog_id)
    if blog is None:
        raise NotFound("No such live blog.")
    return blog


@bp.get("/blogs/<int:blog_id>")
def get_blog(blog_id: int):
    """A blog's metadata and its current head seq."""
    return jsonify(blog_json(_blog_or_404(blog_id)))


@bp.get("/blogs/<int:blog_id>/changes")
def get_changes(blog_id: int):
    """Changes after ?since=N in seq order: the cursor for clients without websockets."""
    blog = _blog_or_404(blog_id)
    return _cursor("blog", blog.id, blog.last_seq, queries.changes_since, payloads.change_message)


@bp.get("/events/<int:event_id>/changes")
def get_event_changes(event_id: int):
    """Hub changes after ?since=N in seq order: the hub's cursor without websockets."""
    event = hub.event_by_id(event_id)
    if event is None:
        raise NotFound("No such event.")
    return _cursor(
        "event", event.id, event.last_seq, hub.event_changes_since, payloads.event_change_message
    )


def _cursor(stream: str, stream_id: int, last_seq: int, read, message_of):
    """One page of a change cursor after ?since=N, or 304 when the asker has it already."""
    since = _since()
    etag = caching.cursor_etag(stream, stream_id, since, last_seq)
    if caching.not_modified(etag, None):
        return caching.cursor_answer("", etag, 304)
    changes = read(stream_id, since)
    body = {
        f"{stream}_id": stream_id,
        "last_seq": last_seq,
        "changes": [message_of(c) for c in changes],
        "more": bool(changes) and changes[-1].seq < last_seq,
    }
    return caching.cursor_answer(jsonify(body), etag)


def _since() -> int:
    """The cursor's ?since=N (default 0); anything but a plain decimal number is refused."""
    since = request.args.get("since", "0")
    if not since.isdecimal():  # isdigit() also takes "²", which int() refuses
        raise Invalid("since must be a non-negative integer seq.")
    return int(since)


@bp.get("/blogs/<int:blog_id>/entries")
def list_entries(blog_id: int):
    """Published entries, newest first; ?before=<entry id> pages back."""
    blog = _blog_or_404(blog_id)
    before = None
    if request.args.get("before"):
        before = queries.entry_by_id(request.args.get("before", type=int) or 0)
        if before is None or before.blog_id != blog.id or before.published_at is None:
            raise NotFound("The 'before' entry is not a published entry of this blog.")
    entries, more = queries.published_entries(blog, before=before)
    return jsonify({"entries": [entry_json(e) for e in entries], "more": more})


@bp.get("/entries/<int:entry_id>")
def get_entry(entry_id: int):
    """One published entry."""
    entry = queries.entry_by_id(entry_id)
    if entry is None or entry.published_at is None:
        raise NotFound("No such entry.")
    if entry.status == EntryStatus.RETRACTED:
        raise Gone("This entry was retracted.")
    return jsonify(entry_json(entry))


@bp.post("/blogs/<int:blog_id>/entries")
@token_required
def create_entry(blog_id: int):
    """Post an entry; the same idempotency_key again returns the first entry (200)."""
    limits.check("post", g.user)
    body = json_body()
    data = entry_input(body)
    key = body.get("idempotency_key") or request.headers.get("Idempotency-Key")
    refuse_key_of_other_write(g.user.id, key)
    entry, created = actions.post_entry(g.user, blog_id, data, key)
    if entry.blog_id != blog_id:
        raise Invalid("This idempotency key was already used for an entry in another blog.")
    return jsonify(entry_json(entry)), 201 if created else 200


@bp.patch("/entries/<int:entry_id>")
@token_required
@idempotent()
def update_entry(entry_id: int):
    """Edit an entry; base_version must be the version the edit started from.

    display_at alone (editors) moves the entry in the timeline without an edit.
    """
    body = json_body()
    display_at = body.pop("display_at", None)
    reject_unknown(body)
    when = display_time(display_at) if display_at is not None else None
    if when is not None and not g.user.is_editor:
        raise Forbidden(EDITORS_ONLY, {"display_at": "editors only"})
    entry = _entry_for_write(entry_id)
    if when is None or set(body) & set(ENTRY_FIELDS):
        entry = _edit(entry, body)
    if when is not None:
        entry = actions.set_display_time(g.user, entry_id, when)
    return edit_answer(g.user, entry)


def _edit(current: Entry, body: dict) -> Entry:
    base = body.get("base_version")
    if type(base) is not int:  # JSON true is not version 1
        raise Invalid("base_version (the version you edited) is required.")
    merged = {k: body.get(k, _current_value(current, k)) for k in ENTRY_FIELDS}
    return actions.edit_entry(g.user, current.id, base, entry_input(merged))


def _entry_for_write(entry_id: int) -> Entry:
    entry = queries.entry_by_id(entry_id)
    if entry is None:
        raise NotFound("No such entry.")
    return entry


def _current_value(entry: Entry, field: str):
    if field == "tags":
        return [t.name for t in entry.tags]
    if field == "coauthor_ids":
        return None  # unsaid: the entry keeps its co-authors
    if field in ("embed_url", "embed_title"):
        return (entry.embed or {}).get(field.removeprefix("embed_"), "")
    value = getattr(entry, field)
    return value.value if field == "kind" else value


@bp.post("/entries/<int:entry_id>/retract")
@token_required
@idempotent()
def retract(entry_id: int):
    """Retract an entry: readers see it go; its text is kept."""
    return jsonify(entry_json(actions.retract_entry(g.user, entry_id)))


@bp.post("/entries/<int:entry_id>/pin")
@token_required
@idempotent()
def pin(entry_id: int):
    """Pin an entry on top of its blog (editors)."""
    return jsonify(entry_json(actions.pin_entry(g.user, entry_id, True)))


@bp.post("/entries/<int:entry_id>/unpin")
@token_required
@idempotent()
def unpin(entry_id: int):
    """Unpin an entry (editors)."""
    return jsonify(entry_json(actions.pin_entry(g.user, entry_id, False)))


@bp.post("/entries/<int:entry_id>/key")
@token_required
@idempotent()
def mark_key(entry_id: int):
    """Mark ({"is_key": true}) or unmark an entry as a key event (editors)."""
    body = json_body()
    reject_unknown(body, known=("is_key",))
    is_key = body.get("is_key", True)
    if not isinstance(is_key, bool):
        raise Invalid("is_key must be true or false.")
    return jsonify(entry_json(actions.mark_key_entry(g.user, entry_id, is_key)))


@bp.post("/blogs/<int:blog_id>/status")
@token_required
@idempotent()
def set_status(blog_id: int):
    """Set a blog live or ended (editors)."""
    body = json_body()
    reject_unknown(body, known=("status",))
    raw = body.get("status")
    if not isinstance(raw, str) or raw not in {s.value for s in BlogStatus}:
        raise Invalid("status must be 'scheduled', 'live' or 'ended'.")
    return jsonify(blog_json(actions.set_blog_status(g.user, blog_id, BlogStatus(raw))))


@bp.get("/events/<event_slug>/speakers")
def speakers(event_slug: str):
    """The event's speaker roster, or those matching ?q= (accents and case aside)."""
    event = queries.event_by_slug(event_slug) or abort(404)
    found = queries.speakers_matching(event, request.args.get("q", ""))
    return jsonify({"speakers": [speaker_json(s) for s in found]})


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi.document())


@bp.before_app_request
def _missing_object_is_404():
    """Answer 404, not 405, when an id in the URL is out of range for every method.

    Werkzeug checks the method before the id's range, so POST /blogs/<huge>/entries
    came back 405 "method not allowed" although GET on it is 404 (found by the fuzzer).
    """
    exc = request.routing_exception
    if not isinstance(exc, MethodNotAllowed) or not request.path.startswith("/api/"):
        return
    adapter = current_app.create_url_adapter(request)
    if adapter is None:  # only without a request; this runs inside one
        return
    for method in exc.valid_methods or ():
        try:
            adapter.match(method=method)
            return
        except HTTPException:
            continue
    request.routing_exception = WerkzeugNotFound()


@bp.errorhandler(404)
def _not_found(_exc):
    return jsonify({"error": "Not found."}), 404


@bp.errorhandler(405)
def _not_allowed(_exc):
    return jsonify({"error": "Method not allowed."}), 405


__all__ = ["bp", "Forbidden"]
