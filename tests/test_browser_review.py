"""End to end in headless Chromium: an editor's open review queue follows submissions live."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import select

from blog.models import Entry, EntryStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_site(app, database_url, make_blog, make_user, editor):
    """A live blog, a contributor of its event, and an editor, served by a real server."""
    blog = make_blog()
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event], email="con@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, contributor
    server.stop()


def _queue_page(chromium, server, blog, editor):
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, server, editor)
    page.goto(f"{server.url}/review/{blog.event.slug}/")
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return page, errors


def _submit(chromium, server, blog, contributor, text):
    page = chromium.new_page()
    log_in(page, server, contributor)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.fill("textarea[name=source]", text)
    page.click("#composer button[value=publish]")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    page.close()


def test_queue_shows_a_submission_live_and_approve_publishes_it(chromium, desk_site, editor):
    server, blog, contributor = desk_site
    queue, errors = _queue_page(chromium, server, blog, editor)
    queue.evaluate("window.__notReloaded = true")
    _submit(chromium, server, blog, contributor, "Seen on the **floor**")
    queue.wait_for_selector("#queue-items li strong:text('floor')", timeout=WAIT_MS)
    assert queue.evaluate("window.__notReloaded") is True
    queue.click("#queue-items li button:text('Approve and publish')")
    queue.wait_for_selector("#queue-empty", timeout=WAIT_MS)
    db.session.remove()
    entry = db.session.scalar(select(Entry).where(Entry.author_id == contributor.id))
    assert entry.status == EntryStatus.PUBLISHED
    assert errors == []
