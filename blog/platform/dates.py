"""Dates and times as readers see them: in the venue's timezone, in the page's locale.

The one place server-side that turns an instant into words, with CLDR's patterns
through Babel: "5:00 PM" and "Mar 4, 5:00 PM" in English, "17:00" and "4 Mar, 17:00"
in British English, "17:00" and "4 mar, 17:00" in Spanish. The readers' scripts
format with Intl.DateTimeFormat and the page's <html lang>, the same CLDR data, with
the options static/js/l10n.js names beside each function here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.dates import get_datetime_format as datetime_pattern

from blog.platform.i18n import LOCALES, current_locale, in_locale

# The instant an editor's choice of locale is shown with.
SAMPLE = datetime(2027, 3, 4, 17, 0, tzinfo=UTC)


Zone = str | tzinfo


def at_venue(dt: datetime, tz: Zone) -> datetime:
    """An aware instant in the event's timezone (an IANA name, or a tzinfo)."""
    return dt.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def clock(dt: datetime | None, tz: Zone) -> str:
    """The time of day at the venue: "17:00" (Intl: hour numeric, minute 2-digit)."""
    if dt is None:
        return ""
    return format_time(at_venue(dt, tz), "short", locale=current_locale())


def day(d: date | datetime, tz: Zone | None = None) -> str:
    """A day without its year: "4 Mar" (Intl: day numeric, month short)."""
    if isinstance(d, datetime) and tz is not None:
        d = at_venue(d, tz)
    return format_skeleton("MMMd", d, locale=current_locale())


def day_and_clock(dt: datetime | None, tz: Zone) -> str:
    """Day and time at the venue: "4 Mar, 17:00" (Intl: the options of day and clock)."""
    if dt is None:
        return ""
    pattern = str(datetime_pattern("short", locale=current_locale()))
    return pattern.replace("{1}", day(dt, tz)).replace("{0}", clock(dt, tz))


def on_same_day(dt: datetime | None, other: datetime | None, tz: Zone) -> bool:
    """Tell whether two instants fall on the same day at the venue (False if one is missing)."""
    if dt is None or other is None:
        return False
    return at_venue(dt, tz).date() == at_venue(other, tz).date()


def when(dt: datetime | None, tz: Zone, same_day: datetime | None = None) -> str:
    """The time, with its day too unless it falls on the venue day of same_day."""
    return clock(dt, tz) if on_same_day(dt, same_day, tz) else day_and_clock(dt, tz)


def full(dt: datetime | None, tz: Zone) -> str:
    """Date with year and time at the venue: "4 Mar 2027, 17:00" (a tooltip's detail)."""
    if dt is None:
        return ""
    local = at_venue(dt, tz)
    pattern = str(datetime_pattern("medium", locale=current_locale()))
    shown = format_date(local, "medium", locale=current_locale())
    return pattern.replace("{1}", shown).replace("{0}", clock(local, tz))


def day_span(first: date, last: date) -> str:
    """An event's days: "1–4 Mar 2027" (Intl: formatRange, day numeric, month short, year)."""
    return format_interval(first, last, "yMMMd", locale=current_locale())


def locale_choices() -> list[tuple[str, str]]:
    """Each locale an event may choose, named with how it writes a day and a time."""
    choices = []
    for code, name in LOCALES.items():
        with in_locale(code):
            choices.append((code, f"{name} — {day_and_clock(SAMPLE, 'UTC')}"))
    return choices


def init_app(app) -> None:
    """Offer the formats to templates as filters: {{ entry.published_at|clock(tz) }}."""
    for name, function in (
        ("clock", clock),
        ("day", day),
        ("day_and_clock", day_and_clock),
        ("when", when),
        ("on_same_day", on_same_day),
        ("full_time", full),
        ("day_span", day_span),
    ):
        app.jinja_env.filters[name] = function
