"""Events and their agenda: create and edit an event, its sessions and their speakers.

Editors type times in the venue's timezone; they are stored in UTC. Every change
readers of the hub can see is recorded on the event's hub stream.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select

from blog.actions.blogs import SLUG
from blog.actions.load import as_id, curator_of, load_actor, media_of, session_of, speaker_of
from blog.actions.stream import audit, commit_and_push, record_event_change, write_action
from blog.content.permissions import can_create_event
from blog.content.rendering import clean_text
from blog.live import payloads
from blog.models import AgendaSession, Event, LiveBlog, User
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid
from blog.platform.i18n import DEFAULT_LOCALE, LOCALES

MAX_DESCRIPTION_CHARS = 5_000
MAX_SPEAKERS = 30


@dataclass(slots=True, kw_only=True)
class EventInput:
    """An event's fields as typed: dates as YYYY-MM-DD, ids as text."""

    name: str = ""
    slug: str = ""
    starts_on: str = ""
    ends_on: str = ""
    timezone: str = "UTC"
    locale: str = DEFAULT_LOCALE
    venue: str = ""
    city: str = ""
    description: str = ""
    cover_media_id: str | int | None = None


@dataclass(slots=True, kw_only=True)
class SessionInput:
    """An agenda session as typed: times as YYYY-MM-DDTHH:MM in the event's timezone."""

    title: str = ""
    stage: str = ""
    description: str = ""
    starts_at: str = ""
    ends_at: str = ""
    speaker_ids: list = field(default_factory=list)


# ---- shared checks ----------------------------------------------------------


def text_field(raw, name: str, limit: int, errors: dict, required: str = "") -> str:
    """Clean one text field; note an error if it is required and empty, or too long."""
    value = clean_text(str(raw or "")).strip()
    if required and not value:
        errors[name] = required
    elif len(value) > limit:
        errors[name] = f"At most {limit} characters."
    return value


def slug_field(raw, errors: dict) -> str:
    """A URL slug: lowercase words joined by hyphens."""
    slug = str(raw or "").strip()
    if not SLUG.match(slug) or len(slug) > 80:
        errors["slug"] = "Lowercase letters, digits and single hyphens, e.g. 'mwc-2026'."
    return slug


def venue_time(raw, tz: ZoneInfo, name: str, errors: dict, required: bool = True):
    """A local time typed in the venue's timezone, as an aware UTC datetime."""
    text = str(raw or "").strip()
    if not text:
        if required:
            errors[name] = "Give a date and time."
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        errors[name] = "Write the time as YYYY-MM-DD HH:MM."
        return None
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    utc = local.replace(tzinfo=tz).astimezone(UTC)
    # A time skipped when the clocks go forward does not round-trip.
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        errors[name] = f"{text} does not exist in {tz.key}: the clocks change then."
        return None
    return utc


def event_window(starts_on: date, ends_on: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The event's days as a UTC range: first midnight to the midnight after its last day."""
    first = datetime.combine(starts_on, time(0), tz).astimezone(UTC)
    last = datetime.combine(ends_on + timedelta(days=1), time(0), tz).astimezone(UTC)
    return first, last


def check_range(event: Event, starts_at, ends_at, errors: dict) -> None:
    """Refuse a time range that ends before it starts or leaves the event's days."""
    if starts_at is None or ends_at is None:
        return
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
        return
    in_event_days(event, starts_at, "starts_at", errors, ends_at)


def in_event_days(event: Event, starts_at, name: str, errors: dict, ends_at=None) -> None:
    """Refuse a time (or a range up to ends_at) outside the event's days."""
    first, last = event_window(event.starts_on, event.ends_on, event.tz)
    if starts_at < first or (ends_at or starts_at) > last:
        days = f"{event.starts_on:%d %b} – {event.ends_on:%d %b %Y}"
        errors[name] = f"Keep it within the event's days ({days}, {event.timezone})."


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """The IANA timezone names an event may use, sorted (read once: it scans the disk)."""
    return tuple(sorted(available_timezones()))


# ---- events -----------------------------------------------------------------


def _validate_event(data: EventInput, locale: str = DEFAULT_LOCALE) -> dict:
    """The event's fields checked; locale is kept when the input leaves it out."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {
        "name": text_field(data.name, "name", 200, errors, "An event needs a name."),
        "slug": slug_field(data.slug, errors),
        "venue": text_field(data.venue, "venue", 200, errors),
        "city": text_field(data.city, "city", 120, errors),
        "description": text_field(data.description, "description", MAX_DESCRIPTION_CHARS, errors),
        "timezone": str(data.timezone or "").strip(),
        "locale": str(data.locale or "").strip() or locale,
        "starts_on": _date_field(data.starts_on, "starts_on", errors),
        "ends_on": _date_field(data.ends_on, "ends_on", errors),
    }
    if clean["timezone"] not in timezone_names():
        errors["timezone"] = "Use an IANA timezone name such as Europe/Madrid."
    if clean["locale"] not in LOCALES:
        errors["locale"] = f"Choose one of the readers' languages: {', '.join(LOCALES)}."
    if clean["starts_on"] and clean["ends_on"] and clean["ends_on"] < clean["starts_on"]:
        errors["ends_on"] = "The event cannot end before it starts."
    if errors:
        raise Invalid("The event was not saved: " + " ".join(errors.values()), errors)
    return clean


def _date_field(raw, name: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        errors[name] = "Give a date as YYYY-MM-DD."
        return None


def _check_slug_free(slug: str, event_id: int | None) -> None:
    stmt = select(Event.id).where(Event.slug == slug, Event.id != (event_id or 0))
    if db.session.scalar(stmt) is not None:
        message = f"An event with the slug {slug!r} already exists."
        raise Invalid(message, {"slug": message})


@write_action
def save_event(user: User, event_id: int | None, data: EventInput) -> Event:
    """Create an event (event_id None) or change its details; slugs are unique, dates in order.

    A changed event must still hold its whole agenda within its days.
    """
    db.begin_write()
    if event_id is None:
        return _create_event(user, data)
    return _update_event(user, event_id, data)


def _create_event(user: User, data: EventInput) -> Event:
    actor = load_actor(user)
    if not can_create_event(actor):
        raise Forbidden("Only editors can create events.")
    clean = _validate_event(data)
    if as_id(data.cover_media_id):
        raise Invalid("Upload images to the event first; then choose its cover.")
    _check_slug_free(clean["slug"], None)
    event = Event(**clean)
    db.session.add(event)
    db.session.flush()
    audit(actor, "event.create", "event", event.id, event.id)
    commit_and_push([])
    return event


def _update_event(user: User, event_id: int, data: EventInput) -> Event:
    actor, event = curator_of(user, event_id)
    clean = _validate_event(data, event.locale)
    _check_slug_free(clean["slug"], event.id)
    _check_agenda_fits(event, clean)
    cover = media_of(event, data.cover_media_id).id if as_id(data.cover_media_id) else None
    changed = _apply(event, {**clean, "cover_media_id": cover})
    if not changed:
        db.session.commit()
        return event
    audit(actor, "event.edit", "event", event.id, event.id, fields=sorted(changed))
    commit_and_push(
        [record_event_change(event, payloads.EVENT_CHANGED, payloads.event_card(event))]
    )
    return event


def _apply(obj, values: dict) -> set[str]:
    changed = {k for k, v in values.items() if getattr(obj, k) != v}
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _check_agenda_fits(event: Event, clean: dict) -> None:
    first, last = event_window(clean["starts_on"], clean["ends_on"], ZoneInfo(clean["timezone"]))
    stmt = select(AgendaSession).where(
        AgendaSession.event_id == event.id,
        (AgendaSession.starts_at < first) | (AgendaSession.ends_at > last),
    )
    outside = db.session.scalar(stmt.order_by(AgendaSession.starts_at).limit(1))
    if outside is not None:
        message = f"“{outside.title}” would fall outside the event's days; move it first."
        raise Invalid(message, {"starts_on": message})


# ---- agenda sessions --------------------------------------------------------


def _validate_session(event: Event, data: SessionInput) -> dict:
    errors: dict[str, str] = {}
    clean = {
        "title": text_field(data.title, "title", 200, errors, "A session needs a title."),
        "stage": text_field(data.stage, "stage", 120, errors),
        "description": text_field(data.description, "description", MAX_DESCRIPTION_CHARS, errors),
        "starts_at": venue_time(data.starts_at, event.tz, "starts_at", errors),
        "ends_at": venue_time(data.ends_at, event.tz, "ends_at", errors),
    }
    check_range(event, clean["starts_at"], clean["ends_at"], errors)
    ids = data.speaker_ids if isinstance(data.speaker_ids, list) else []
    if len(ids) > MAX_SPEAKERS:
        errors["speaker_ids"] = f"At most {MAX_SPEAKERS} speakers per session."
    if errors:
        raise Invalid("The session was not saved: " + " ".join(errors.values()), errors)
    clean["speakers"] = [speaker_of(event, s) for s in dict.fromkeys(ids)]
    return clean


@write_action
def save_session(
    user: User, event_id: int, session_id: int | None, data: SessionInput
) -> AgendaSession:
    """Add a session to the event's agenda, or change one (session_id given)."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    session = session_of(event, session_id) if session_id is not None else None
    clean = _validate_session(event, data)
    if session is None:
        session = AgendaSession(event_id=event.id, **clean)
        db.session.add(session)
        changed = set(clean)
    else:
        changed = _apply(session, clean)
    if not changed:
        db.session.commit()
        return session
    db.session.flush()
    what = "session.create" if session_id is None else "session.edit"
    audit(actor, what, "session", session.id, event.id, title=session.title)
    payload = {"session_id": session.id, "session": payloads.session_card(session)}
    commit_and_push([record_event_change(event, payloads.AGENDA_CHANGED, payload)])
    return session


@write_action
def remove_session(user: User, event_id: int, session_id: int) -> None:
    """Take a session off the agenda; refused while a live blog is tied to it."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    session = session_of(event, session_id)
    tied = db.session.scalar(select(LiveBlog).where(LiveBlog.session_id == session.id).limit(1))
    if tied is not None:
        raise Invalid(f"“{tied.title}” covers this session; tie it to another session first.")
    audit(actor, "session.remove", "session", session.id, event.id, title=session.title)
    db.session.delete(session)
    payload = {"session_id": session.id, "session": None}
    commit_and_push([record_event_change(event, payloads.AGENDA_CHANGED, payload)])
