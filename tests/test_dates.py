"""Times and dates as the server writes them for readers: the clock today, the day otherwise,
in one clock format chosen by the page's locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from blog.platform.dates import date_range, iso, venue_when
from blog.platform.i18n import in_locale

MADRID = "Europe/Madrid"
# 2 March 2027, 10:00 in Madrid (UTC+1).
NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def at_noon(app):
    app.config["CLOCK"] = lambda: NOW


@pytest.fixture
def british(app):
    # A 24-hour English: CLDR's en_GB patterns, as Intl writes them for lang="en-GB".
    with in_locale("en_GB"):
        yield


@pytest.mark.parametrize(
    ("moment", "style", "shown"),
    [
        (datetime(2027, 3, 2, 16, 5, tzinfo=UTC), "auto", "17:05"),
        (datetime(2027, 3, 1, 17, 30, tzinfo=UTC), "auto", "Mon 1 Mar, 18:30"),
        (datetime(2026, 12, 31, 9, 0, tzinfo=UTC), "auto", "Thu, 31 Dec 2026, 10:00"),
        (datetime(2027, 3, 2, 16, 5, tzinfo=UTC), "full", "Tue, 2 Mar 2027, 17:05"),
        (datetime(2027, 3, 1, 17, 30, tzinfo=UTC), "clock", "18:30"),
        # Late at night in UTC is already tomorrow at the venue.
        (datetime(2027, 3, 1, 23, 30, tzinfo=UTC), "auto", "00:30"),
        ("2027-03-01T17:30:00+00:00", "auto", "Mon 1 Mar, 18:30"),
    ],
)
def test_a_moment_shows_its_day_unless_it_is_today_at_the_venue(
    at_noon, british, moment, style, shown
):
    assert venue_when(moment, MADRID, style) == shown


@pytest.mark.parametrize(
    ("locale", "today", "other_day", "days"),
    [
        ("en", "5:05 PM", "Mon, Mar 1, 6:30 PM", "Mar 1 – 4, 2027"),
        ("en_GB", "17:05", "Mon 1 Mar, 18:30", "1 – 4 Mar 2027"),
        ("es", "17:05", "lun, 1 mar, 18:30", "1–4 mar 2027"),
    ],
)
def test_the_page_locale_chooses_the_clock_and_the_days_words(
    at_noon, locale, today, other_day, days
):
    # The same strings Intl.DateTimeFormat writes for <html lang> (static/js/times.js).
    with in_locale(locale):
        assert venue_when(datetime(2027, 3, 2, 16, 5, tzinfo=UTC), MADRID) == today
        assert venue_when(datetime(2027, 3, 1, 17, 30, tzinfo=UTC), MADRID) == other_day
        assert date_range(date(2027, 3, 1), date(2027, 3, 4)) == days


def test_nothing_to_show_is_empty(at_noon):
    assert venue_when(None, MADRID) == "" and iso(None) == ""
    assert iso("2027-03-01T17:30:00+00:00") == "2027-03-01T17:30:00+00:00"


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [
        (date(2027, 3, 1), date(2027, 3, 4), "1 – 4 Mar 2027"),
        (date(2027, 2, 27), date(2027, 3, 2), "27 Feb – 2 Mar 2027"),
        (date(2026, 12, 30), date(2027, 1, 2), "30 Dec 2026 – 2 Jan 2027"),
        (date(2027, 3, 1), date(2027, 3, 1), "1 Mar 2027"),
    ],
)
def test_an_events_days_are_written_shortest_first(british, starts, ends, shown):
    assert date_range(starts, ends) == shown
