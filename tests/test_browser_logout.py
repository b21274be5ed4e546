"""Logging out of the desk leaves nothing of the account for the next person at the device."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from blog.models import Role
from blog.platform import db

pytestmark = pytest.mark.browser

DRAFT = "Embargoed: the foldable ships in May"


@pytest.fixture
def desk(app, database_url, make_blog, make_user):
    """A live blog and its reporter, served by a real server process."""
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter
    server.stop()


def offline_text(page, url: str) -> str:
    """What the page at url shows with the network gone ("" when nothing answers)."""
    try:
        page.goto(url)
    except PlaywrightError:
        return ""  # no copy anywhere: the browser's own offline error
    return page.content()


def test_after_logout_the_offline_desk_shows_neither_name_nor_draft(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server, reporter)
    composer = f"{server.url}/desk/blogs/{blog.id}"
    page.goto(composer)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=WAIT_MS)
    page.fill("textarea[name=source]", DRAFT)
    page.click("#composer button[value=draft]")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    page.reload()  # the service worker keeps this copy, draft listed, name in the header
    expect(page.locator(".drafts")).to_contain_text(DRAFT)
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_url(f"{server.url}/", timeout=WAIT_MS)
    context.set_offline(True)
    for url in (composer, f"{server.url}/desk/"):
        shown = offline_text(page, url)
        assert reporter.name not in shown
        assert DRAFT not in shown
    assert errors == []
    context.close()
