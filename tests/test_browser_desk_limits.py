"""The desk past the post limit: the outbox keeps the entry and waits as long as the server asks."""

from __future__ import annotations

import re

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import func, select

from blog.models import Entry, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def limited_desk(app, database_url, make_blog, make_user):
    """A desk whose server lets an account post once a day.

    Windows are aligned to the clock, so a day makes it all but impossible for
    the two posts to fall in different windows, and leaves a long Retry-After.
    """
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event], email="limit@example.test")
    db.session.remove()
    server = Server(database_url)
    server.env["SHOWFLOOR_LIMITS"] = "post_account=1/86400"
    server.start()
    yield server, blog, reporter
    server.stop()


def entry_count(blog_id: int) -> int:
    db.session.remove()
    stmt = select(func.count()).select_from(Entry).where(Entry.blog_id == blog_id)
    return db.session.scalar(stmt)


def test_a_post_past_the_limit_stays_queued_until_the_server_says(chromium, limited_desk):
    server, blog, reporter = limited_desk
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.fill("textarea[name=source]", "First, within the limit")
    page.click("#composer button[value=publish]")
    page.fill("textarea[name=source]", "Second, one too many")
    page.click("#composer button[value=publish]")

    status = page.locator("#outbox-status")
    expect(status).to_contain_text("Retrying in", timeout=WAIT_MS)
    expect(page.locator("#outbox-items li")).to_have_count(1)
    expect(page.locator("#outbox-items li")).to_contain_text("Second, one too many")
    # The server asked to wait until the window ends (hours); backoff alone waits at most 30 s.
    seconds = int(re.search(r"Retrying in (\d+) s", status.inner_text()).group(1))
    assert seconds > 30
    assert entry_count(blog.id) == 1
    context.close()
