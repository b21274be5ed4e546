"""The editor desk in the browser: events, agenda, blogs and what the hub features.

Every route names its event in the URL and hands ids to an action that loads
them within that event, so a forged id of another event is refused, not obeyed.
A refused form is shown again with what was typed and the reason.
"""

from __future__ import annotations

from flask import abort, g, render_template, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from blog import actions
from blog.actions.agenda import timezone_names
from blog.content import hub
from blog.content.permissions import can_curate
from blog.desk.uploads import accepts_upload
from blog.editor import bp
from blog.editor.screens import (
    act_on_event,
    back_to_event,
    curated_event,
    editor_required,
    render_event_desk,
)
from blog.models import Event
from blog.platform import db
from blog.platform.dates import locale_choices
from blog.platform.errors import ActionError
from blog.platform.i18n import DEFAULT_LOCALE

# ---- events -------------------------------------------------------------------


@bp.get("/curate/")
@editor_required
def events():
    """The events an editor curates, newest first."""
    every = db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id))
    mine = [e for e in every if can_curate(g.user, e)]
    return render_template("editor/curation/index.html", events=mine)


@bp.route("/curate/events/new", methods=["GET", "POST"])
@editor_required
def new_event():
    """Create an event."""
    if request.method == "GET":
        return _render_event_form(None, MultiDict({"timezone": "UTC", "locale": DEFAULT_LOCALE}))
    try:
        event = actions.save_event(g.user, None, _event_input())
    except ActionError as exc:
        return _render_event_form(None, request.form, exc)
    return back_to_event(event)


@bp.route("/curate/events/<int:event_id>/edit", methods=["GET", "POST"])
@accepts_upload
@editor_required
def edit_event(event_id: int):
    """Change an event's name, slug, dates, place, timezone, description and cover."""
    event = curated_event(event_id)
    if request.method == "GET":
        return _render_event_form(event, _event_form(event))
    form = request.form.copy()
    try:
        cover_id = _upload_cover(event)
        if cover_id is not None:
            # Chosen in the form too: if the save below is refused, the
            # uploaded photo stays picked and need not be sent again.
            form["cover"] = str(cover_id)
        actions.save_event(g.user, event.id, _event_input(form))
    except ActionError as exc:
        return _render_event_form(event, form, exc)
    return back_to_event(event)


def _upload_cover(event: Event) -> int | None:
    """Store a cover photo sent with the event form; its id, or None when none was sent."""
    file = request.files.get("cover_file")
    if file is None or not file.filename:
        return None
    f = request.form
    try:
        photo = actions.upload_media(
            g.user, event.id, file, f.get("cover_alt", ""), credit=f.get("cover_credit", "")
        )
    except ActionError as exc:
        # The form names these fields cover_file, cover_alt, cover_credit.
        exc.fields = {f"cover_{name}": text for name, text in exc.fields.items()}
        raise
    return photo.id


# An event's fields that its form shows as they are stored.
EVENT_TEXT_FIELDS = ("name", "slug", "timezone", "locale", "venue", "city")


def _event_input(f: MultiDict | None = None) -> actions.EventInput:
    f = request.form if f is None else f
    fields = (*EVENT_TEXT_FIELDS, "starts_on", "ends_on", "description")
    return actions.EventInput(**{k: f.get(k, "") for k in fields}, cover_media_id=f.get("cover"))


def _event_form(event: Event) -> MultiDict:
    return MultiDict(
        {
            **{k: getattr(event, k) for k in EVENT_TEXT_FIELDS},
            "description": event.description,
            "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(),
            "cover": str(event.cover_media_id or ""),
        }
    )


def _render_event_form(event, form, exc: ActionError | None = None):
    page = render_template(
        "editor/curation/event_form.html",
        event=event,
        form=form,
        media=hub.media_of(event) if event else [],
        timezones=timezone_names(),
        locales=locale_choices(),
        errors=exc.fields if exc else {},
        message=exc.message if exc else "",
    )
    return page, exc.status if exc else 200


@bp.get("/curate/events/<int:event_id>/")
@editor_required
def event(event_id: int):
    """An event's desk: hub summary, features, key moments, blogs and agenda."""
    return render_event_desk(curated_event(event_id))


# ---- the hub: summary and features ------------------------------------------------


@bp.post("/curate/events/<int:event_id>/summary")
@editor_required
def summary(event_id: int):
    """Replace the hub's "what you need to know"."""
    event = curated_event(event_id)
    source = request.form.get("summary", "")
    try:
        actions.set_hub_summary(g.user, event.id, source)
    except ActionError as exc:
        return render_event_desk(event, exc, summary=source)
    return back_to_event(event, "summary")


@bp.post("/curate/events/<int:event_id>/features")
@editor_required
def add_feature(event_id: int):
    """Feature a blog (blog_id) or an entry (entry_id) on the hub, optionally as lead."""
    event = curated_event(event_id)
    f = request.form
    target = {"blog_id": f["blog_id"]} if f.get("blog_id") else {"entry_id": f.get("entry_id")}
    lead = f.get("lead") == "on"
    return act_on_event(event, "features", actions.feature_on_hub, **target, lead=lead)


@bp.post("/curate/events/<int:event_id>/features/<int:feature_id>/<any(up, down):direction>")
@editor_required
def move_feature(event_id: int, feature_id: int, direction: str):
    """Move a feature one place up or down the hub's order."""
    event = curated_event(event_id)
    order = [f.id for f in hub.features_of(event)]
    if feature_id not in order:
        abort(404)
    i = order.index(feature_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return act_on_event(event, "features", actions.reorder_features, order)


@bp.post("/curate/events/<int:event_id>/features/<int:feature_id>/remove")
@editor_required
def remove_feature(event_id: int, feature_id: int):
    """Take a feature off the hub."""
    return act_on_event(curated_event(event_id), "features", actions.unfeature, feature_id)


@bp.post("/curate/events/<int:event_id>/lead")
@editor_required
def lead(event_id: int):
    """Put a feature in the lead slot (feature_id), or empty the slot (none given)."""
    feature_id = request.form.get("feature_id", type=int)
    return act_on_event(curated_event(event_id), "features", actions.set_lead_feature, feature_id)
