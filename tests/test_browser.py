"""End to end in headless Chromium: a reporter publishes, an open reader page updates live."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server
from conftest import PASSWORD
from playwright.sync_api import expect

from blog import actions
from blog.models import BlogStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, database_url, make_blog, make_user, make_entry):
    """A live blog with one entry and a reporter, served by a real server process."""
    blog = make_blog()
    make_entry(blog, source="Doors are open.")
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter
    server.stop()


def _reader_page(chromium, server, blog):
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return page, errors


def _publish(chromium, server, blog, reporter, text):
    page = chromium.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", reporter.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.fill("textarea[name=source]", text)
    page.click("#composer button[value=publish]")
    # The composer's outbox sends in the background; wait until it is empty.
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    page.close()


def test_reader_sees_a_new_entry_without_reload(chromium, site):
    server, blog, reporter = site
    reader, errors = _reader_page(chromium, server, blog)
    reader.evaluate("window.__notReloaded = true")
    _publish(chromium, server, blog, reporter, "Keynote starts **now**")
    reader.wait_for_selector("#entries .entry strong:text('now')", timeout=WAIT_MS)
    first = reader.locator("#entries .entry").first
    assert "Keynote starts" in first.inner_text()
    assert reader.evaluate("window.__notReloaded") is True
    assert errors == []


def test_reader_catches_up_after_the_server_restarts(chromium, site, app, editor):
    server, blog, reporter = site
    reader, errors = _reader_page(chromium, server, blog)
    server.stop()
    reader.wait_for_selector("#connection.connection--reconnecting", timeout=WAIT_MS)
    # Written while no server runs: only the change stream can bring it to the page.
    entry, _ = actions.post_entry(
        editor, blog.id, actions.EntryInput(source="Posted during the outage"), "outage-0001"
    )
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    db.session.remove()
    server.start()
    reader.wait_for_selector(f"#entry-{entry.id}", timeout=60_000)
    reader.wait_for_selector("#blog-status.badge--ended", timeout=WAIT_MS)
    assert reader.locator(f"#entry-{entry.id}").count() == 1
    assert [e for e in errors if "WebSocket" not in e and "ERR_CONNECTION" not in e] == []


def test_page_works_without_javascript(chromium, site):
    server, blog, _ = site
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    assert "Doors are open." in page.locator("#entries").inner_text()
    context.close()
