"""The editor desk's agenda and blog screens: sessions, blog settings, lifecycle, pins, keys.

Routes live on the curate blueprint; like every curate route they load ids within
the event named in the URL, so another event's ids are refused.
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from blog import actions
from blog.content import hub, queries
from blog.desk.confirm import ask, confirmed
from blog.desk.irreversible import end_blog_confirmation
from blog.editor import bp
from blog.editor.screens import (
    act_on_event,
    back_to_event,
    curated_event,
    editor_required,
    event_blog,
    local_input,
)
from blog.models import ORDER_NEWEST, BlogStatus, Event, LiveBlog
from blog.platform.errors import ActionError

ENTRIES_SHOWN = 30

# ---- agenda -------------------------------------------------------------------------


@bp.route("/curate/events/<int:event_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/curate/events/<int:event_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@editor_required
def session_form(event_id: int, session_id: int | None = None):
    """Add or change an agenda session; times are typed in the event's timezone."""
    event = curated_event(event_id)
    session = _session(event, session_id)
    if request.method == "GET":
        return _render_session_form(event, session, _session_form(event, session))
    try:
        actions.save_session(g.user, event.id, session_id, _session_input())
    except ActionError as exc:
        return _render_session_form(event, session, request.form, exc)
    return back_to_event(event, "agenda")


def _session(event: Event, session_id: int | None):
    if session_id is None:
        return None
    found = next((s for s in hub.agenda_of(event) if s.id == session_id), None)
    return found or abort(404)


def _session_input() -> actions.SessionInput:
    f = request.form
    fields = ("title", "stage", "description", "starts_at", "ends_at")
    return actions.SessionInput(
        **{k: f.get(k, "") for k in fields}, speaker_ids=f.getlist("speaker_ids")
    )


def _session_form(event: Event, session) -> MultiDict:
    if session is None:
        return MultiDict()
    form = MultiDict({k: getattr(session, k) for k in ("title", "stage", "description")})
    form["starts_at"] = local_input(event, session.starts_at)
    form["ends_at"] = local_input(event, session.ends_at)
    form.setlist("speaker_ids", [str(s.id) for s in session.speakers])
    return form


def _render_session_form(event, session, form, exc: ActionError | None = None):
    page = render_template(
        "editor/curation/session_form.html",
        event=event,
        session=session,
        form=form,
        speakers=queries.speakers_of(event),
        errors=exc.fields if exc else {},
        message=exc.message if exc else "",
    )
    return page, exc.status if exc else 200


@bp.post("/curate/events/<int:event_id>/sessions/<int:session_id>/remove")
@editor_required
def remove_session(event_id: int, session_id: int):
    """Take a session off the agenda."""
    return act_on_event(curated_event(event_id), "agenda", actions.remove_session, session_id)


# ---- blogs ------------------------------------------------------------------------


@bp.route("/curate/events/<int:event_id>/blogs/new", methods=["GET", "POST"])
@editor_required
def new_blog(event_id: int):
    """Create a live blog in the event; it starts as scheduled."""
    event = curated_event(event_id)
    if request.method == "GET":
        return _render_blog(event, None, MultiDict({"default_order": ORDER_NEWEST}))
    try:
        blog = actions.save_blog(g.user, event.id, None, _blog_input())
    except ActionError as exc:
        return _render_blog(event, None, request.form, exc)
    return redirect(url_for("editor.blog", event_id=event.id, blog_id=blog.id))


@bp.route("/curate/events/<int:event_id>/blogs/<int:blog_id>/", methods=["GET", "POST"])
@editor_required
def blog(event_id: int, blog_id: int):
    """One blog's desk: its settings, its lifecycle, and pin and key on its entries."""
    event = curated_event(event_id)
    blog = event_blog(event, blog_id)
    if request.method == "GET":
        return _render_blog(event, blog, _blog_form(event, blog))
    try:
        actions.save_blog(g.user, event.id, blog.id, _blog_input())
    except ActionError as exc:
        return _render_blog(event, blog, request.form, exc)
    return redirect(url_for("editor.blog", event_id=event.id, blog_id=blog.id))


def _blog_input() -> actions.BlogInput:
    f = request.form
    fields = ("title", "slug", "description", "session_id", "default_order", "starts_at")
    return actions.BlogInput(**{k: f.get(k, "") for k in fields})


def _blog_form(event: Event, blog: LiveBlog) -> MultiDict:
    return MultiDict(
        {
            "title": blog.title,
            "slug": blog.slug,
            "description": blog.description,
            "session_id": str(blog.session_id or ""),
            "default_order": blog.default_order,
            "starts_at": local_input(event, blog.starts_at),
        }
    )


def _render_blog(event, blog, form, exc: ActionError | None = None):
    entries = queries.published_entries(blog, limit=ENTRIES_SHOWN)[0] if blog else []
    page = render_template(
        "editor/curation/blog.html",
        event=event,
        blog=blog,
        form=form,
        entries=entries,
        agenda=hub.agenda_of(event),
        featured={f.entry_id for f in hub.features_of(event) if f.entry_id},
        errors=exc.fields if exc else {},
        message=exc.message if exc else "",
    )
    return page, exc.status if exc else 200


def _blog_act(event: Event, blog: LiveBlog, action, *args):
    """Run an existing blog or entry action; back to the blog's desk, or it with the refusal."""
    try:
        action(g.user, *args)
    except ActionError as exc:
        return _render_blog(event, blog, _blog_form(event, blog), exc)
    return redirect(url_for("editor.blog", event_id=event.id, blog_id=blog.id))


@bp.post("/curate/events/<int:event_id>/blogs/<int:blog_id>/status")
@editor_required
def blog_status(event_id: int, blog_id: int):
    """Move a blog along scheduled → live → ended, or reopen it; ending is confirmed first."""
    event = curated_event(event_id)
    blog = event_blog(event, blog_id)
    raw = request.form.get("status", "")
    if raw not in {s.value for s in BlogStatus}:
        abort(400)
    if raw == BlogStatus.ENDED.value and not confirmed():
        back = url_for("editor.blog", event_id=event.id, blog_id=blog.id)
        action = url_for("editor.blog_status", event_id=event.id, blog_id=blog.id)
        return ask(end_blog_confirmation(blog, action, back))
    return _blog_act(event, blog, actions.set_blog_status, blog.id, BlogStatus(raw))


@bp.post("/curate/events/<int:event_id>/blogs/<int:blog_id>/entries/<int:entry_id>/<what>")
@editor_required
def entry_flag(event_id: int, blog_id: int, entry_id: int, what: str):
    """Pin, unpin, mark or unmark an entry of this blog as a key moment."""
    event = curated_event(event_id)
    blog = event_blog(event, blog_id)
    entry = queries.entry_by_id(entry_id)
    if entry is None or entry.blog_id != blog.id or what not in _FLAGS:
        abort(404)
    action, value = _FLAGS[what]
    return _blog_act(event, blog, action, entry.id, value)


_FLAGS = {
    "pin": (actions.pin_entry, True),
    "unpin": (actions.pin_entry, False),
    "key": (actions.mark_key_entry, True),
    "unkey": (actions.mark_key_entry, False),
}
