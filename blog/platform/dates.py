"""Times and dates as readers see them: in the event's timezone, in the page's locale.

One clock format per page, chosen by its locale: CLDR's patterns through Babel on the
server ("5:05 PM" in English, "17:05" in British English and Spanish), the same CLDR data
through Intl.DateTimeFormat and <html lang> in static/js/times.js, which writes every
`<time data-when>` again (the reader's "today" may have moved on since the page was cached).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, format_time
from babel.dates import get_datetime_format as datetime_pattern

from blog.platform import clock
from blog.platform.i18n import LOCALES, current_locale, in_locale

# How much of a moment a <time> shows: the clock only, the clock with the day unless the
# day is today at the venue, or always the whole date.
STYLES = ("clock", "auto", "full")
# The instant an editor's choice of locale is shown with.
SAMPLE = datetime(2027, 3, 4, 17, 0, tzinfo=UTC)
# Newer CLDR puts thin and narrow no-break spaces where browsers' Intl still writes plain
# ones ("5:05 PM", "1 – 4 Mar"): the server writes what the script will.
PLAIN_SPACES = str.maketrans({"\u202f": " ", "\u2009": " "})


def _aware(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _clock(local: datetime) -> str:
    # Intl: hour "numeric", minute "2-digit" (CLDR's short time: "h:mm a", "HH:mm", "H:mm").
    return format_time(local, "short", locale=current_locale())


def _day_and_clock(local: datetime, year: bool) -> str:
    # Intl: weekday "short", day "numeric", month "short" (year "numeric"), with the clock,
    # joined by the medium date-time pattern as ICU joins an abbreviated month's.
    locale = current_locale()
    day = format_skeleton("yMMMEd" if year else "MMMEd", local, locale=locale)
    pattern = str(datetime_pattern("medium", locale=locale))
    return pattern.replace("{1}", day).replace("{0}", _clock(local))


def venue_when(value: datetime | str | None, tz: str, style: str = "auto") -> str:
    """A moment in the event's timezone: "17:05", or "Mon 2 Mar, 17:05" on another day."""
    if not value:
        return ""
    zone = ZoneInfo(tz)
    local = _aware(value).astimezone(zone)
    if style == "clock":
        return _clock(local).translate(PLAIN_SPACES)
    today = clock.now().astimezone(zone).date()
    if style == "auto" and local.date() == today:
        return _clock(local).translate(PLAIN_SPACES)
    year = style == "full" or local.year != today.year
    return _day_and_clock(local, year).translate(PLAIN_SPACES)


def iso(value: datetime | str | None) -> str:
    """The machine-readable form for a <time datetime=…> attribute."""
    if not value:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def date_range(starts_on: date, ends_on: date) -> str:
    """An event's days, shortest first: "1 – 4 Mar 2027", "27 Feb – 2 Mar 2027".

    Intl: formatRange with day "numeric", month "short", year "numeric" (static/js/hub.js).
    """
    shown = format_interval(starts_on, ends_on, "yMMMd", locale=current_locale())
    return shown.translate(PLAIN_SPACES)


def locale_choices() -> list[tuple[str, str]]:
    """Each locale an event may choose, named with how it writes a day and a time."""
    choices = []
    for code, name in LOCALES.items():
        with in_locale(code):
            sample = _day_and_clock(SAMPLE, year=False).translate(PLAIN_SPACES)
        choices.append((code, f"{name} — {sample}"))
    return choices
