"""A contributor on a phone: Submit for review, no controls they cannot use, their submissions."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import select

from blog import actions
from blog.models import Entry, EntryStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, database_url, make_blog, make_user):
    """A live blog and a contributor of its event, served by a real server process."""
    blog = make_blog()
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event], email="con@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, contributor
    server.stop()


def test_contributor_submits_and_sees_it_waiting_then_returned(chromium, site, editor):
    server, blog, contributor = site
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, server, contributor)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")

    send = page.locator("#composer button[value=publish]")
    expect(send).to_have_text("Submit for review")
    for absent in ("details.later", "input[name=is_key]", "button[value=batch]", ".batches"):
        expect(page.locator(absent)).to_have_count(0)
    expect(page.locator("#no-submissions")).to_be_visible()

    page.fill("textarea[name=source]", "Queue at the Aurora stand")
    send.click()
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    waiting = page.locator("#my-submissions li")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Queue at the Aurora stand")
    expect(waiting).to_contain_text("waiting for an editor")
    expect(page.locator("#no-submissions")).to_have_count(0)

    db.session.remove()
    entry = db.session.scalar(select(Entry))
    assert entry.status == EntryStatus.PENDING
    actions.return_entry(editor, entry.id, entry.version, "Which hall? Add the number.")
    page.goto(f"{server.url}/desk/")
    returned = page.locator(f"#submission-{entry.id}")
    expect(returned).to_contain_text("returned")
    expect(returned).to_contain_text("Editor’s note: Which hall? Add the number.")
    context.close()
    assert errors == []
