"""The reader pages' layout in Chromium: share per entry, the folded pinned post, key moments
on top on a phone, dates where the day may differ, one clock format."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_support import WAIT_MS
from showcase_support import TZ

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 900}
CLOCK_ONLY = re.compile(r"^\d{1,2}:\d{2}( [AP]M)?$")
# Stands in for the device's share sheet and records what the page asked it to share.
FAKE_SHARE = """Object.defineProperty(Navigator.prototype, 'share', {configurable: true,
    value: function (data) { window.sharedWith = data; return Promise.resolve(); }});"""
NO_SHARE = "delete Navigator.prototype.share;"


@pytest.fixture
def open_page(chromium, showcase):
    """Open a page of the show in a fresh context; at the end, no script may have failed."""
    opened = []

    def open_(path: str, init_script: str | None = None, **context_args):
        context = chromium.new_context(**context_args)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(showcase.server.url + showcase.fill(path))
        opened.append((context, errors))
        return page

    yield open_
    for context, errors in opened:
        context.close()
        assert errors == []


def live(page):
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return page


def yesterday_at_half_past_six() -> datetime:
    return datetime.now(ZoneInfo(TZ)).replace(hour=18, minute=30) - timedelta(days=1)


def test_share_opens_the_devices_share_sheet_with_the_entrys_permalink(open_page, showcase):
    page = live(open_page("/e/{event}/{blog}/", FAKE_SHARE, viewport=PHONE))
    key = showcase.entries["key"]
    page.click(f"#entry-{key} .entry__share")
    shared = page.wait_for_function("() => window.sharedWith").json_value()
    assert shared["url"] == showcase.server.url + showcase.fill(
        f"/e/{{event}}/{{blog}}/entries/{key}"
    )
    assert shared["title"] == "Spectrum: one EU framework by 2028"
    assert page.url.endswith(showcase.fill("/e/{event}/{blog}/")), "the page stays where it is"


def test_share_copies_the_link_where_there_is_no_share_sheet(open_page, showcase):
    page = live(
        open_page(
            "/e/{event}/{blog}/",
            NO_SHARE,
            viewport=LAPTOP,
            permissions=["clipboard-read", "clipboard-write"],
        )
    )
    entry = showcase.entries["text"]
    button = page.locator(f"#entry-{entry} .entry__share")
    label = button.inner_html()
    page.clock.install()  # the flash's 2 s run on the test's clock
    button.click()
    page.wait_for_selector(f"#entry-{entry} .entry__share:text('Link copied')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == showcase.server.url + showcase.fill(f"/e/{{event}}/{{blog}}/entries/{entry}")
    assert page.inner_text("#announce") == "Link copied"
    page.clock.run_for(2100)
    # The label comes back whole: its visually hidden part stays hidden.
    assert button.inner_html() == label
    assert button.locator(".visually-hidden").count() == 1


def test_a_long_pinned_entry_is_folded_to_a_few_lines_and_shown_once(open_page, showcase):
    page = live(open_page("/e/{event}/{blog}/", viewport=PHONE))
    pinned = showcase.entries["pinned"]
    entry = page.locator(f"#pinned #entry-{pinned}")
    more = entry.locator(".entry__more")
    assert more.get_attribute("aria-expanded") == "false" and more.inner_text() == "Show more"
    assert entry.bounding_box()["y"] + entry.bounding_box()["height"] < PHONE["height"]
    body = entry.locator(".entry__body")
    hidden = "el => el.scrollHeight - el.clientHeight"
    assert body.evaluate(hidden) > 0, "the body is cut to a few lines"
    more.click()
    assert body.evaluate(hidden) == 0 and more.get_attribute("aria-expanded") == "true"
    assert page.locator(f"#entry-{pinned}").count() == 1
    assert page.locator(f"#entries #entry-{pinned}").count() == 0


def test_key_moments_are_a_folded_summary_above_the_stream_on_a_phone(open_page, showcase):
    page = live(open_page("/e/{event}/{blog}/", viewport=PHONE))
    keys = page.locator("#keys")
    assert keys.get_attribute("open") is None
    assert page.inner_text("#keys summary").split() == ["Key", "moments", "3"]
    top = keys.bounding_box()["y"]
    assert top < page.locator("#pinned").bounding_box()["y"] and top < PHONE["height"]
    assert page.locator("#keys summary").bounding_box()["y"] < PHONE["height"]
    page.click("#keys summary")
    link = page.locator(f"#keylist a[href='#entry-{showcase.entries['key']}']")
    link.click()
    page.wait_for_selector(f"#entry-{showcase.entries['key']}.entry--target")
    # Search is as near: a link above the stream.
    assert page.locator(".controls__search").bounding_box()["y"] < PHONE["height"]


def test_key_moments_stand_open_beside_the_stream_on_a_laptop(open_page):
    page = live(open_page("/e/{event}/{blog}/", viewport=LAPTOP))
    assert page.locator("#keys").get_attribute("open") is not None
    stream = page.locator(".blog__stream").bounding_box()
    assert page.locator("#keys").bounding_box()["x"] > stream["x"] + stream["width"]


def test_the_blog_shows_dates_for_other_days_and_one_clock_format(open_page, showcase):
    page = live(open_page("/e/{event}/{blog}/", viewport=PHONE))
    day = yesterday_at_half_past_six()
    older = page.inner_text(f"#entry-{showcase.entries['older']} .entry__time")
    assert f"{day:%b} {day.day}," in older and "6:30 PM" in older
    today = page.inner_text(f"#entry-{showcase.entries['text']} .entry__time")
    assert CLOCK_ONLY.match(today), today
    texts = page.eval_on_selector_all("time[data-when]", "els => els.map(e => e.textContent)")
    assert all(t.endswith(("AM", "PM")) for t in texts), texts


def test_the_permalink_and_the_hub_carry_dates(open_page, showcase):
    page = open_page("/e/{event}/{blog}/entries/{older}", viewport=PHONE)
    day = yesterday_at_half_past_six()
    stamp = page.locator(".entry__time time")
    page.wait_for_function("() => document.querySelector('.entry__time time').title")
    assert f"{day:%b} {day.day}, {day.year}" in stamp.inner_text()
    hub = live(open_page("/e/{event}/", viewport=LAPTOP))
    key = hub.locator(f"#hub-keys li[data-entry-id='{showcase.entries['older']}'] time")
    assert f"{day:%b} {day.day}," in key.inner_text()
    assert str(day.year) in hub.inner_text("#hub-days")
