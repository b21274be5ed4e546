"""On a phone: retract, release and close ask first, Cancel changes nothing; reopen shows live."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import select

from blog import actions
from blog.models import BlogStatus, Entry, EntryStatus, LiveBlog, Role
from blog.platform import db

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
TAP = 44  # px: the smallest target a thumb hits reliably


@pytest.fixture
def site(app, database_url, make_blog, make_user, make_entry):
    """A live blog with one reporter entry and an embargoed batch, served by a real server."""
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    entry = make_entry(blog, author=reporter, source="Aurora ships in **May**")
    batch = actions.create_batch(reporter, blog.id, "Fold 3 specs")
    placement = actions.Placement(mode="batch", batch_id=batch.id)
    data = actions.EntryInput(source="Embargoed: 8-inch screen")
    actions.post_entry(reporter, blog.id, data, "browser-batch-0001", placement)
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter, entry, batch
    server.stop()


class Phone:
    """A 360×740 page that records script and console errors."""

    def __init__(self, chromium):
        self.context = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def close(self) -> None:
        """Close it, failing on any error it saw."""
        self.context.close()
        assert self.errors == []


def status_of(model, row_id):
    db.session.remove()
    return db.session.get(model, row_id).status


def batch_statuses(batch_id):
    db.session.remove()
    return list(db.session.scalars(select(Entry.status).where(Entry.batch_id == batch_id)))


def test_retract_is_set_apart_from_edit_and_asks_first(chromium, site):
    server, blog, reporter, entry, _ = site
    phone = Phone(chromium)
    page = phone.page
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    row = page.locator(f"#desk-entry-{entry.id}")
    edit = row.locator("[data-action=edit]").bounding_box()
    retract = row.locator("[data-action=retract]").bounding_box()
    for box in (edit, retract):
        assert box["width"] >= TAP and box["height"] >= TAP, box
    apart = retract["x"] - (edit["x"] + edit["width"])
    assert apart >= 24 or retract["y"] >= edit["y"] + edit["height"] + 8, (edit, retract)
    danger = row.locator("[data-action=retract]")
    assert danger.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
    assert "button--danger" in (danger.get_attribute("class") or "")

    danger.tap()
    expect(page.locator("#confirm h1")).to_have_text("Retract this entry?")
    page.locator("#confirm-cancel").tap()
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    assert status_of(Entry, entry.id) == EntryStatus.PUBLISHED

    row.locator("[data-action=retract]").tap()
    page.locator("#confirm-yes").tap()
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    expect(page.locator(f"#desk-entry-{entry.id}")).to_have_count(0)
    assert status_of(Entry, entry.id) == EntryStatus.RETRACTED
    phone.close()


def test_release_now_asks_first(chromium, site):
    server, blog, reporter, _, batch = site
    phone = Phone(chromium)
    page = phone.page
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    release = page.locator("[data-action=release]")
    box = release.bounding_box()
    assert box["width"] >= TAP and box["height"] >= TAP
    release.tap()
    expect(page.locator("#confirm h1")).to_have_text("Release “Fold 3 specs” now?")
    page.locator("#confirm-cancel").tap()
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    assert batch_statuses(batch.id) == [EntryStatus.SCHEDULED]
    page.locator("[data-action=release]").tap()
    page.locator("#confirm-yes").tap()
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    assert batch_statuses(batch.id) == [EntryStatus.PUBLISHED]
    expect(page.locator("[data-action=release]")).to_have_count(0)
    phone.close()


def test_closing_asks_first_and_reopening_shows_readers_it_live(chromium, site, editor):
    server, blog, _, _, _ = site
    reader = Phone(chromium)
    reader.page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    reader.page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    badge = reader.page.locator("#blog-status")
    expect(badge).to_have_text("Live")

    desk = Phone(chromium)
    page = desk.page
    log_in(page, server, editor)
    blog_url = f"{server.url}/curate/events/{blog.event_id}/blogs/{blog.id}/"
    page.goto(blog_url)
    close = page.locator("[data-action=end]")
    assert close.bounding_box()["height"] >= TAP
    close.tap()
    expect(page.locator("#confirm h1")).to_have_text("End “A live blog”?")
    page.locator("#confirm-cancel").tap()
    page.wait_for_url(blog_url)
    assert status_of(LiveBlog, blog.id) == BlogStatus.LIVE

    page.locator("[data-action=end]").tap()
    page.locator("#confirm-yes").tap()
    page.wait_for_url(blog_url)
    expect(page.locator("#ended-notice")).to_be_visible()
    expect(badge).to_have_text("Ended", timeout=WAIT_MS)

    page.locator("[data-action=reopen]").tap()
    page.wait_for_url(blog_url)
    expect(page.locator("#blog-status")).to_have_text("live")
    expect(badge).to_have_text("Live", timeout=WAIT_MS)
    assert status_of(LiveBlog, blog.id) == BlogStatus.LIVE
    reader.close()
    desk.close()
