"""The editor desk in the browser: events, agenda, blogs and what the hub features.

Every route names its event in the URL and hands ids to an action that loads
them within that event, so a forged id of another event is refused, not obeyed.
A refused form is shown again with what was typed and the reason.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from . import actions, db, hub, push, queries
from .actions.agenda import timezone_names
from .errors import ActionError
from .models import ORDER_NEWEST, BlogStatus, EntryStatus, Event, LiveBlog
from .permissions import can_create_event, can_curate

bp = Blueprint("curate", __name__, url_prefix="/curate")

ENTRIES_SHOWN = 30


def editor_required(view):
    """Send anonymous visitors to log in; refuse anyone who may not curate."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        if not can_create_event(g.user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _event(event_id: int) -> Event:
    event = hub.event_by_id(event_id) or abort(404)
    if not can_curate(g.user, event):
        abort(403)
    return event


def _blog(event: Event, blog_id: int) -> LiveBlog:
    blog = queries.blog_by_id(blog_id)
    if blog is None or blog.event_id != event.id:
        abort(404)
    return blog


def _local(event: Event, at) -> str:
    """A stored UTC time as a datetime-local field shows it: in the event's timezone."""
    return at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M") if at else ""


def _to_event(event: Event, anchor: str = ""):
    return redirect(url_for("curate.event", event_id=event.id) + (f"#{anchor}" if anchor else ""))


# ---- events -------------------------------------------------------------------


@bp.get("/")
@editor_required
def index():
    """The events an editor curates, newest first."""
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id))
    return render_template("curate/index.html", events=[e for e in events if can_curate(g.user, e)])


@bp.route("/events/new", methods=["GET", "POST"])
@editor_required
def new_event():
    """Create an event."""
    if request.method == "GET":
        return _render_event_form(None, MultiDict({"timezone": "UTC"}))
    try:
        event = actions.save_event(g.user, None, _event_input())
    except ActionError as exc:
        return _render_event_form(None, request.form, exc)
    return _to_event(event)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@editor_required
def edit_event(event_id: int):
    """Change an event's name, slug, dates, place, timezone, description and cover."""
    event = _event(event_id)
    if request.method == "GET":
        return _render_event_form(event, _event_form(event))
    try:
        actions.save_event(g.user, event.id, _event_input())
    except ActionError as exc:
        return _render_event_form(event, request.form, exc)
    return _to_event(event)


def _event_input() -> actions.EventInput:
    f = request.form
    fields = ("name", "slug", "starts_on", "ends_on", "timezone", "venue", "city", "description")
    return actions.EventInput(**{k: f.get(k, "") for k in fields}, cover_media_id=f.get("cover"))


def _event_form(event: Event) -> MultiDict:
    return MultiDict(
        {
            **{k: getattr(event, k) for k in ("name", "slug", "timezone", "venue", "city")},
            "description": event.description,
            "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(),
            "cover": str(event.cover_media_id or ""),
        }
    )


def _render_event_form(event, form, exc: ActionError | None = None):
    page = render_template(
        "curate/event_form.html",
        event=event,
        form=form,
        media=hub.media_of(event) if event else [],
        timezones=timezone_names(),
        errors=exc.fields if exc else {},
        message=exc.message if exc else "",
    )
    return page, exc.status if exc else 200


@bp.get("/events/<int:event_id>/")
@editor_required
def event(event_id: int):
    """An event's desk: hub summary, features, key moments, blogs and agenda."""
    return _render_event(_event(event_id))


def _render_event(event: Event, exc: ActionError | None = None, summary: str | None = None):
    features = _feature_rows(event)
    page = render_template(
        "curate/event.html",
        event=event,
        blogs=list(event.blogs),
        features=features,
        lead=next((f for f in features if f["lead"]), None),
        key_moments=hub.key_moments(event),
        agenda=hub.agenda_of(event),
        summary=event.summary_source if summary is None else summary,
        message=exc.message if exc else "",
        errors=exc.fields if exc else {},
    )
    return page, exc.status if exc else 200


def _feature_rows(event: Event) -> list[dict]:
    """The event's features in order, each with a label an editor recognises."""
    rows = []
    for feature in hub.features_of(event):
        entry = queries.entry_by_id(feature.entry_id) if feature.entry_id else None
        if entry is not None:
            card = push.key_moment_card(entry)
            label = f"{entry.blog.title}: {card['headline'] or card['text']}"
        else:
            label = queries.blog_by_id(feature.blog_id).title
        rows.append(
            {
                "id": feature.id,
                "lead": feature.is_lead,
                "kind": "entry" if entry else "blog",
                "label": label,
                "hidden": entry is not None and entry.status != EntryStatus.PUBLISHED,
            }
        )
    return rows


def _act(event: Event, anchor: str, action, *args, **kwargs):
    """Run an action for the event's desk: back to the desk, or the desk with the refusal."""
    try:
        action(g.user, event.id, *args, **kwargs)
    except ActionError as exc:
        return _render_event(event, exc)
    return _to_event(event, anchor)


# ---- the hub: summary and features ------------------------------------------------


@bp.post("/events/<int:event_id>/summary")
@editor_required
def summary(event_id: int):
    """Replace the hub's "what you need to know"."""
    event = _event(event_id)
    source = request.form.get("summary", "")
    try:
        actions.set_hub_summary(g.user, event.id, source)
    except ActionError as exc:
        return _render_event(event, exc, summary=source)
    return _to_event(event, "summary")


@bp.post("/events/<int:event_id>/features")
@editor_required
def add_feature(event_id: int):
    """Feature a blog (blog_id) or an entry (entry_id) on the hub, optionally as lead."""
    event = _event(event_id)
    f = request.form
    target = {"blog_id": f["blog_id"]} if f.get("blog_id") else {"entry_id": f.get("entry_id")}
    return _act(event, "features", actions.feature_on_hub, **target, lead=f.get("lead") == "on")


@bp.post("/events/<int:event_id>/features/<int:feature_id>/<any(up, down):direction>")
@editor_required
def move_feature(event_id: int, feature_id: int, direction: str):
    """Move a feature one place up or down the hub's order."""
    event = _event(event_id)
    order = [f.id for f in hub.features_of(event)]
    if feature_id not in order:
        abort(404)
    i = order.index(feature_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return _act(event, "features", actions.reorder_features, order)


@bp.post("/events/<int:event_id>/features/<int:feature_id>/remove")
@editor_required
def remove_feature(event_id: int, feature_id: int):
    """Take a feature off the hub."""
    return _act(_event(event_id), "features", actions.unfeature, feature_id)


@bp.post("/events/<int:event_id>/lead")
@editor_required
def lead(event_id: int):
    """Put a feature in the lead slot (feature_id), or empty the slot (none given)."""
    feature_id = request.form.get("feature_id", type=int)
    return _act(_event(event_id), "features", actions.set_lead_feature, feature_id)


# ---- agenda -------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@editor_required
def session_form(event_id: int, session_id: int | None = None):
    """Add or change an agenda session; times are typed in the event's timezone."""
    event = _event(event_id)
    session = _session(event, session_id)
    if request.method == "GET":
        return _render_session_form(event, session, _session_form(event, session))
    try:
        actions.save_session(g.user, event.id, session_id, _session_input())
    except ActionError as exc:
        return _render_session_form(event, session, request.form, exc)
    return _to_event(event, "agenda")


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
    form["starts_at"] = _local(event, session.starts_at)
    form["ends_at"] = _local(event, session.ends_at)
    form.setlist("speaker_ids", [str(s.id) for s in session.speakers])
    return form


def _render_session_form(event, session, form, exc: ActionError | None = None):
    page = render_template(
        "curate/session_form.html",
        event=event,
        session=session,
        form=form,
        speakers=queries.speakers_of(event),
        errors=exc.fields if exc else {},
        message=exc.message if exc else "",
    )
    return page, exc.status if exc else 200


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/remove")
@editor_required
def remove_session(event_id: int, session_id: int):
    """Take a session off the agenda."""
    return _act(_event(event_id), "agenda", actions.remove_session, session_id)


# ---- blogs ------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/blogs/new", methods=["GET", "POST"])
@editor_required
def new_blog(event_id: int):
    """Create a live blog in the event; it starts as scheduled."""
    event = _event(event_id)
    if request.method == "GET":
        return _render_blog(event, None, MultiDict({"default_order": ORDER_NEWEST}))
    try:
        blog = actions.save_blog(g.user, event.id, None, _blog_input())
    except ActionError as exc:
        return _render_blog(event, None, request.form, exc)
    return redirect(url_for("curate.blog", event_id=event.id, blog_id=blog.id))


@bp.route("/events/<int:event_id>/blogs/<int:blog_id>/", methods=["GET", "POST"])
@editor_required
def blog(event_id: int, blog_id: int):
    """One blog's desk: its settings, its lifecycle, and pin and key on its entries."""
    event = _event(event_id)
    blog = _blog(event, blog_id)
    if request.method == "GET":
        return _render_blog(event, blog, _blog_form(event, blog))
    try:
        actions.save_blog(g.user, event.id, blog.id, _blog_input())
    except ActionError as exc:
        return _render_blog(event, blog, request.form, exc)
    return redirect(url_for("curate.blog", event_id=event.id, blog_id=blog.id))


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
            "starts_at": _local(event, blog.starts_at),
        }
    )


def _render_blog(event, blog, form, exc: ActionError | None = None):
    entries = queries.published_entries(blog, limit=ENTRIES_SHOWN)[0] if blog else []
    page = render_template(
        "curate/blog.html",
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
    return redirect(url_for("curate.blog", event_id=event.id, blog_id=blog.id))


@bp.post("/events/<int:event_id>/blogs/<int:blog_id>/status")
@editor_required
def blog_status(event_id: int, blog_id: int):
    """Move a blog along scheduled → live → ended."""
    event = _event(event_id)
    blog = _blog(event, blog_id)
    raw = request.form.get("status", "")
    if raw not in {s.value for s in BlogStatus}:
        abort(400)
    return _blog_act(event, blog, actions.set_blog_status, blog.id, BlogStatus(raw))


@bp.post("/events/<int:event_id>/blogs/<int:blog_id>/entries/<int:entry_id>/<what>")
@editor_required
def entry_flag(event_id: int, blog_id: int, entry_id: int, what: str):
    """Pin, unpin, mark or unmark an entry of this blog as a key moment."""
    event = _event(event_id)
    blog = _blog(event, blog_id)
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
