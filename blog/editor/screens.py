"""What the editor screens share: the editor check, the URL's event and blog, the event desk."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, render_template, request, url_for

from blog.content import hub, queries
from blog.content.permissions import can_create_event, can_curate
from blog.live import payloads
from blog.models import EntryStatus, Event, LiveBlog
from blog.platform.errors import ActionError
from blog.webhooks import log as webhook_log


def editor_required(view):
    """Send anonymous visitors to log in; refuse anyone who may not curate."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("desk.login", next=request.path))
        if not can_create_event(g.user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def curated_event(event_id: int) -> Event:
    """The event in the URL, if this editor curates it (404 or 403 otherwise)."""
    event = hub.event_by_id(event_id) or abort(404)
    if not can_curate(g.user, event):
        abort(403)
    return event


def event_blog(event: Event, blog_id: int) -> LiveBlog:
    """The blog in the URL, if it belongs to this event (404 otherwise)."""
    blog = queries.blog_by_id(blog_id)
    if blog is None or blog.event_id != event.id:
        abort(404)
    return blog


def local_input(event: Event, at) -> str:
    """A stored UTC time as a datetime-local field shows it: in the event's timezone."""
    return at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M") if at else ""


def back_to_event(event: Event, anchor: str = ""):
    """Redirect to the event's desk, at the section named by anchor."""
    return redirect(url_for("editor.event", event_id=event.id) + (f"#{anchor}" if anchor else ""))


def render_event_desk(event: Event, exc: ActionError | None = None, summary: str | None = None):
    """An event's desk page, with a refusal's message and the summary as typed, if any."""
    features = _feature_rows(event)
    page = render_template(
        "editor/curation/event.html",
        event=event,
        blogs=list(event.blogs),
        features=features,
        lead=next((f for f in features if f["lead"]), None),
        key_moments=hub.key_moments(event),
        agenda=hub.agenda_of(event),
        summary=event.summary_source if summary is None else summary,
        message=exc.message if exc else "",
        errors=exc.fields if exc else {},
        paused_webhooks=webhook_log.paused_of(event),
    )
    return page, exc.status if exc else 200


def _feature_rows(event: Event) -> list[dict]:
    """The event's features in order, each with a label an editor recognises."""
    rows = []
    for feature in hub.features_of(event):
        entry = queries.entry_by_id(feature.entry_id) if feature.entry_id else None
        if entry is not None:
            card = payloads.key_moment_card(entry)
            label = f"{entry.blog.title}: {card['headline'] or card['text']}"
        else:
            blog = queries.blog_by_id(feature.blog_id) if feature.blog_id else None
            if blog is None:  # a feature names an entry or a blog and is deleted with it
                continue
            label = blog.title
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


def act_on_event(event: Event, anchor: str, action, *args, **kwargs):
    """Run an action for the event's desk: back to the desk, or the desk with the refusal."""
    try:
        action(g.user, event.id, *args, **kwargs)
    except ActionError as exc:
        return render_event_desk(event, exc)
    return back_to_event(event, anchor)
