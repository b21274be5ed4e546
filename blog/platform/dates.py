"""Times and dates as readers see them: one format, in the event's timezone, on every page.

The server writes a 24-hour clock; each page's script (static/js/times.js) rewrites every
`<time data-when>` in the reader's locale, so the two never mix on a page once it has run.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from blog.platform import clock

# How much of a moment a <time> shows: the clock only, the clock with the day unless the
# day is today at the venue, or always the whole date.
STYLES = ("clock", "auto", "full")


def _aware(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _day(d: date, year: bool) -> str:
    return d.strftime("%a ") + str(d.day) + d.strftime(" %b") + (f" {d.year}" if year else "")


def venue_when(value: datetime | str | None, tz: str, style: str = "auto") -> str:
    """Format a moment in the event's timezone: "17:05", or "Mon 2 Mar, 17:05" on another day."""
    if not value:
        return ""
    zone = ZoneInfo(tz)
    local = _aware(value).astimezone(zone)
    time = local.strftime("%H:%M")
    if style == "clock":
        return time
    today = clock.now().astimezone(zone).date()
    if style == "auto" and local.date() == today:
        return time
    return f"{_day(local.date(), style == 'full' or local.year != today.year)}, {time}"


def iso(value: datetime | str | None) -> str:
    """The machine-readable form for a <time datetime=…> attribute."""
    if not value:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def date_range(starts_on: date, ends_on: date) -> str:
    """An event's days, shortest first: "3–6 Mar 2027", "28 Feb – 3 Mar 2027"."""
    if starts_on.year != ends_on.year:
        return f"{_short(starts_on, True)} – {_short(ends_on, True)}"
    if starts_on.month != ends_on.month:
        return f"{_short(starts_on, False)} – {_short(ends_on, True)}"
    if starts_on == ends_on:
        return _short(ends_on, True)
    return f"{starts_on.day}–{_short(ends_on, True)}"


def _short(d: date, year: bool) -> str:
    return f"{d.day}{d.strftime(' %b')}" + (f" {d.year}" if year else "")
