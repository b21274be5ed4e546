"""Hub curation: the summary, new blogs and their settings (the hub's features: features.py).

Each action names the event it curates; ids of another event's objects are not
found. Every reader-visible change is recorded on the event's hub stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from blog.actions.agenda import in_event_days, slug_field, text_field, venue_time
from blog.actions.features import feature_changes
from blog.actions.load import (
    as_id,
    blog_of,
    curator_of,
    load_event,
    lock_blog,
    require_open,
    session_of,
)
from blog.actions.stream import (
    audit,
    commit_and_push,
    lock_event,
    record_event_change,
    write_action,
)
from blog.content.rendering import RenderError, clean_text, render_markdown
from blog.live import hub_payloads, payloads
from blog.models import ORDER_NEWEST, ORDER_OLDEST, Event, LiveBlog, User
from blog.platform import db
from blog.platform.errors import Invalid

MAX_SUMMARY_CHARS = 3_000
ORDERS = (ORDER_NEWEST, ORDER_OLDEST)


@dataclass(slots=True, kw_only=True)
class BlogInput:
    """A blog's settings as typed; the slug is set once, at creation."""

    title: str = ""
    slug: str = ""
    description: str = ""
    session_id: str | int | None = None
    default_order: str = ORDER_NEWEST
    starts_at: str = ""


# ---- blogs ------------------------------------------------------------------


def _validate_blog(event: Event, data: BlogInput, creating: bool) -> dict:
    errors: dict[str, str] = {}
    clean = {
        "title": text_field(data.title, "title", 200, errors, "A live blog needs a title."),
        "description": text_field(data.description, "description", 2_000, errors),
        "default_order": data.default_order,
        "starts_at": venue_time(data.starts_at, event.tz, "starts_at", errors, required=False),
    }
    if creating:
        clean["slug"] = slug_field(data.slug, errors)
    if data.default_order not in ORDERS:
        errors["default_order"] = "Choose newest first or oldest first."
    if clean["starts_at"] is not None:
        in_event_days(event, clean["starts_at"], "starts_at", errors)
    if errors:
        raise Invalid("The blog was not saved: " + " ".join(errors.values()), errors)
    session_id = as_id(data.session_id)
    clean["session_id"] = session_of(event, session_id).id if session_id else None
    return clean


def _check_blog_slug_free(event: Event, slug: str) -> None:
    stmt = select(LiveBlog.id).where(LiveBlog.event_id == event.id, LiveBlog.slug == slug)
    if db.session.scalar(stmt) is not None:
        message = f"This event already has a blog with the slug {slug!r}."
        raise Invalid(message, {"slug": message})


@write_action
def save_blog(user: User, event_id: int, blog_id: int | None, data: BlogInput) -> LiveBlog:
    """Create a scheduled blog in the event, or change an open blog's settings.

    Settings: title, description, the agenda session it covers, its default
    order (newest first, or oldest first for a talk or a Q&A) and planned start.
    """
    db.begin_write()
    actor, event = curator_of(user, event_id, lock=False)
    if blog_id is not None:
        lock_blog(as_id(blog_id) or 0)  # blog before event: the order every writer keeps
    lock_event(event.id)
    event = load_event(event.id)
    blog = blog_of(event, blog_id) if blog_id is not None else None
    if blog is not None:
        require_open(blog)
    clean = _validate_blog(event, data, creating=blog is None)
    if blog is None:
        _check_blog_slug_free(event, clean["slug"])
        blog = LiveBlog(event_id=event.id, **clean)
        db.session.add(blog)
        changed = set(clean)
    else:
        changed = {k for k, v in clean.items() if getattr(blog, k) != v}
        for name in changed:
            setattr(blog, name, clean[name])
    if not changed:
        db.session.commit()
        return blog
    db.session.flush()
    what = "blog.create" if blog_id is None else "blog.edit"
    audit(actor, what, "blog", blog.id, event.id, fields=sorted(changed))
    changes = [
        record_event_change(event, payloads.BLOG_CHANGED, {"blog": payloads.blog_card(blog)})
    ]
    commit_and_push(changes + feature_changes(event))
    return blog


# ---- the editor's summary -----------------------------------------------------


def _render_summary(source: str) -> str:
    """The summary's HTML, or a refusal saying why it cannot be shown."""
    if len(source) > MAX_SUMMARY_CHARS:
        message = f"Keep the summary short: at most {MAX_SUMMARY_CHARS} characters."
        raise Invalid(message, {"summary": message})
    try:
        return render_markdown(source) if source else ""
    except RenderError as exc:
        raise Invalid(str(exc), {"summary": str(exc)}) from exc


@write_action
def set_hub_summary(user: User, event_id: int, source: str) -> Event:
    """Replace the hub's "what you need to know" summary (Markdown)."""
    source = clean_text(source or "").strip()
    # Checked and rendered before the write lock: no other writer waits on a render.
    html = _render_summary(source)
    db.begin_write()
    actor, event = curator_of(user, event_id)
    if source == event.summary_source:
        db.session.commit()
        return event
    event.summary_source, event.summary_html = source, html
    audit(actor, "hub.summary", "event", event.id, event.id, chars=len(source))
    payload = hub_payloads.summary_payload(event)
    commit_and_push([record_event_change(event, payloads.HUB_SUMMARY_CHANGED, payload)])
    return event
