"""The event hub in Chromium: featured cards, agenda countdown on a set clock, live updates."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_support import WAIT_MS, Server, log_in

from blog import actions
from blog.actions.agenda import SessionInput
from blog.models import BlogStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def hub_site(app, database_url, make_event, make_blog, make_user, editor):
    """An event with two blogs (one featured as lead), a session next morning, and a server."""
    event = make_event(name="Frontier Expo")
    keynote = make_blog(event, slug="keynote")
    make_blog(event, status=BlogStatus.SCHEDULED, slug="later")
    actions.save_session(
        editor,
        event.id,
        None,
        SessionInput(
            title="Opening keynote",
            stage="Hall 1",
            starts_at="2027-03-02T10:00",
            ends_at="2027-03-02T11:00",
        ),
    )
    actions.feature_on_hub(editor, event.id, blog_id=keynote.id, lead=True)
    token = actions.create_api_token(editor, "hub-test")
    chief = make_user(Role.EDITOR, email="chief@example.test")
    event_slug, blog_id = event.slug, keynote.id
    chief.curate_url = f"/curate/events/{event.id}/"
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, event_slug, blog_id, token, chief
    server.stop()


def post(server, blog_id, token, source, **fields) -> int:
    body = {"source": source, "idempotency_key": uuid.uuid4().hex, **fields}
    request = urllib.request.Request(
        f"{server.url}/api/v1/blogs/{blog_id}/entries",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


def test_hub_counts_down_to_the_next_session_and_moves_it_on_stage(chromium, hub_site):
    server, event_slug, *_ = hub_site
    # A British reader (Accept-Language: en-GB): the page and its script use the 24-hour clock.
    page = chromium.new_context(locale="en-GB").new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    start = datetime(2027, 3, 2, 9, 55, tzinfo=MADRID)
    # Installed a little earlier: the installed clock runs until pause_at stops it.
    page.clock.install(time=start - timedelta(minutes=1))
    page.clock.pause_at(start)
    page.goto(f"{server.url}/e/{event_slug}/")
    countdown = page.locator("#agenda-next .countdown")
    countdown.wait_for()
    assert countdown.inner_text() == "in 5 min 0 s"
    # The session is today at the venue: its clock only, in British English's 24 hours.
    assert page.inner_text("#agenda-next .session__time") == "10:00–11:00"
    assert page.locator("#agenda-now-empty").is_visible()
    page.clock.fast_forward("05:01")
    page.locator("#agenda-now .session__title:text('Opening keynote')").wait_for(timeout=WAIT_MS)
    assert page.locator("#agenda-next").count() == 0
    assert "A live blog" in page.inner_text("#hub-features .feature--lead .feature__blog")
    assert errors == []


def test_hub_updates_live_key_moments_groups_and_summary(chromium, hub_site):
    server, event_slug, blog_id, token, chief = hub_site
    page = chromium.new_context().new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/e/{event_slug}/")
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    assert page.is_hidden("#hub-summary")
    page.evaluate("window.__same = true")

    entry_id = post(
        server, blog_id, token, "Satellites for everyone", headline="Big reveal", is_key=True
    )
    page.wait_for_selector(f"#hub-keys li[data-entry-id='{entry_id}']", timeout=WAIT_MS)
    assert "Big reveal" in page.inner_text("#hub-keys")
    group = page.locator(".hub__group--live")
    assert "Big reveal" in group.inner_text()

    desk = chromium.new_context().new_page()
    log_in(desk, server, chief)
    desk.goto(server.url + chief.curate_url)
    desk.fill("#summary-form textarea[name=summary]", "Doors open at **nine**.")
    desk.click("#summary-form button[type=submit]")
    page.wait_for_selector("#hub-summary-body strong:text('nine')", timeout=WAIT_MS)
    assert page.is_visible("#hub-summary")

    desk.goto(server.url + chief.curate_url + "edit")
    desk.fill("input[name=name]", "Frontier Expo 2027")
    desk.fill("input[name=city]", "Valencia")
    desk.click("#event-form button[type=submit]")
    page.wait_for_selector("#hub-head h1:text('Frontier Expo 2027')", timeout=WAIT_MS)
    assert "Valencia" in page.inner_text("#hub-meta")
    assert page.evaluate("window.__same") is True
    assert errors == []
