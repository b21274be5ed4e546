"""Event and live blog use cases: create them, set a blog live or ended, reopen an ended one."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from blog.actions.load import load_actor, load_blog
from blog.actions.stream import (
    audit,
    commit_and_push,
    record_blog_change,
    record_event_change,
    write_action,
)
from blog.content.permissions import can_curate
from blog.live import payloads
from blog.models import BlogStatus, Event, LiveBlog, User
from blog.platform import db
from blog.platform.clock import utcnow
from blog.platform.errors import Forbidden, Invalid
from blog.platform.i18n import DEFAULT_LOCALE, LOCALES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Allowed moves of a blog's lifecycle. Ended is a read-only archive, but an editor
# can reopen it: a blog closed by mistake, or a session that runs over, goes live again.
TRANSITIONS = {
    BlogStatus.SCHEDULED: {BlogStatus.LIVE, BlogStatus.ENDED},
    BlogStatus.LIVE: {BlogStatus.ENDED},
    BlogStatus.ENDED: {BlogStatus.LIVE},
}


def check_slug(slug: str) -> str:
    """Refuse a slug that is not lowercase words joined by hyphens."""
    if not SLUG.match(slug or "") or len(slug) > 80:
        raise Invalid("A slug is lowercase letters, digits and single hyphens, e.g. 'mwc-2026'.")
    return slug


@write_action
def create_event(
    slug: str,
    name: str,
    starts_on: date,
    ends_on: date,
    timezone: str = "UTC",
    actor: User | None = None,
    locale: str = DEFAULT_LOCALE,
    **details,
) -> Event:
    """Create an event; slugs are unique, the dates in order, the locale one of LOCALES."""
    from zoneinfo import available_timezones

    check_slug(slug)
    if ends_on < starts_on:
        raise Invalid("The event cannot end before it starts.")
    if timezone not in available_timezones():
        raise Invalid(f"Unknown timezone {timezone!r}; use an IANA name like 'Europe/Madrid'.")
    if locale not in LOCALES:
        raise Invalid(f"Unknown locale {locale!r}; use one of {', '.join(LOCALES)}.")
    db.begin_write()
    if db.session.scalar(select(Event).where(Event.slug == slug)):
        raise Invalid(f"An event with the slug {slug!r} already exists.")
    event = Event(
        slug=slug, name=name, starts_on=starts_on, ends_on=ends_on, timezone=timezone, locale=locale
    )
    for field in ("venue", "city", "description"):
        setattr(event, field, details.get(field) or "")
    db.session.add(event)
    db.session.flush()
    audit(actor, "event.create", "event", event.id, event.id)
    db.session.commit()
    return event


@write_action
def create_blog(
    event: Event, slug: str, title: str, description: str = "", actor: User | None = None
) -> LiveBlog:
    """Add a scheduled live blog to an event; slugs are unique within the event."""
    check_slug(slug)
    if not title.strip():
        raise Invalid("A live blog needs a title.")
    db.begin_write()
    taken = select(LiveBlog).where(LiveBlog.event_id == event.id, LiveBlog.slug == slug)
    if db.session.scalar(taken):
        raise Invalid(f"This event already has a blog with the slug {slug!r}.")
    blog = LiveBlog(event_id=event.id, slug=slug, title=title.strip(), description=description)
    db.session.add(blog)
    db.session.flush()
    audit(actor, "blog.create", "blog", blog.id, event.id)
    # Open hub pages list the new blog under "coming up" at once.
    card = {"blog": payloads.blog_card(blog)}
    commit_and_push([record_event_change(blog.event, payloads.BLOG_CHANGED, card)])
    return blog


@write_action
def set_blog_status(user: User, blog_id: int, status: BlogStatus) -> LiveBlog:
    """Move a blog along scheduled → live → ended (or reopen it: ended → live); tell its readers."""
    db.begin_write()
    actor = load_actor(user)
    blog = load_blog(blog_id)
    if not can_curate(actor, blog.event):
        raise Forbidden("Only editors can open or close a live blog.")
    if status == blog.status:
        db.session.commit()
        return blog
    if status not in TRANSITIONS[blog.status]:
        raise Invalid(f"{_article(blog.status.value)} blog cannot become {status.value}.")
    audit(actor, _audit_name(blog.status, status), "blog", blog.id, blog.event_id)
    _move(blog, status)
    commit_and_push([record_blog_change(payloads.BLOG_STATUS_CHANGED, blog)])
    return blog


def _move(blog: LiveBlog, status: BlogStatus) -> None:
    if status == BlogStatus.LIVE and blog.status == BlogStatus.ENDED:
        blog.ended_at = None  # reopened: it keeps the time it first went live
    elif status == BlogStatus.LIVE:
        blog.started_at = utcnow()
    if status == BlogStatus.ENDED:
        blog.ended_at = utcnow()
    blog.status = status


def _audit_name(old: BlogStatus, new: BlogStatus) -> str:
    return "blog.reopen" if old == BlogStatus.ENDED else f"blog.{new.value}"


def _article(word: str) -> str:
    return ("An " if word[0] in "aeiou" else "A ") + word
