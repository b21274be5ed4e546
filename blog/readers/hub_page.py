"""The hub page's view of the agenda: what is on stage now, what comes next, and when."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from blog.content import queries
from blog.models import EntryStatus, Event
from blog.platform.i18n import page_locale

NEXT_SESSIONS = 3


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def agenda_now(agenda: list[dict], now: datetime) -> tuple[list[dict], list[dict]]:
    """Sessions on stage at now, and the next few that have not started yet."""
    on_now = [s for s in agenda if _at(s["starts_at"]) <= now < _at(s["ends_at"])]
    later = sorted((s for s in agenda if _at(s["starts_at"]) > now), key=lambda s: s["starts_at"])
    return on_now, later[:NEXT_SESSIONS]


def countdown(iso: str, now: datetime) -> str:
    """How long until a session starts, as a reader glances at it: "in 1 h 5 min"."""
    seconds = int((_at(iso) - now).total_seconds())
    if seconds <= 0:
        return _("now")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    if days:
        return _("in %(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("in %(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return _("in %(minutes)s min", minutes=minutes)


def feature_entry_html(card: dict, event: Event) -> Markup:
    """A featured entry's HTML in the page's locale (the stored card's is in the event's)."""
    if page_locale() == event.locale:
        return Markup(card["html"])
    entry = queries.entry_by_id(card["entry_id"])
    if entry is None or entry.status != EntryStatus.PUBLISHED:
        return Markup("")
    return Markup(render_template("_entry.html", entry=entry, blog=entry.blog))
