"""End to end in headless Chromium: an editor curates an event; a hub follower sees each change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import socketio
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import select

from blog.models import AgendaSession, BlogStatus, Event, HubFeature, LiveBlog
from blog.platform import db

pytestmark = pytest.mark.browser


class HubFollower:
    """A Socket.IO client following one event's hub on the real server, recording what arrives."""

    def __init__(self, server: Server, event_id: int, since: int):
        self.since = since
        self.received: list[tuple[str, dict]] = []
        self._arrived = threading.Condition()
        self.client = socketio.Client()
        self.client.on("*", self._record)
        self.client.connect(server.url, transports=["websocket"], wait_timeout=10)
        ack = self.client.call("follow_event", {"event_id": event_id, "since": since}, timeout=10)
        assert ack["ok"], ack

    def _record(self, name, message):
        with self._arrived:
            self.received.append((name, message))
            self._arrived.notify_all()

    def wait_for(self, count: int) -> list[str]:
        """Block until count hub changes have arrived (or time out); return their names."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout=WAIT_MS / 1000)
            return [name for name, _ in self.received]

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()


@pytest.fixture
def show(app, database_url, make_event, make_blog, make_entry, make_user, editor):
    """An event with a live blog of two entries and a speaker, served by a real server."""
    from blog import actions

    event = make_event("mwc", name="MWC", timezone="Europe/Madrid")
    blog = make_blog(event, slug="floor")
    entries = [make_entry(blog, source=t) for t in ("Doors open.", "Keynote **starts**.")]
    actions.add_speaker(event, "Ada Chen", "CTO", "Acme")
    db.session.remove()
    server = Server(database_url)
    server.start()
    follower = HubFollower(server, event.id, db.session.get(Event, event.id).last_seq)
    yield server, event, blog, entries, follower
    follower.close()
    server.stop()


def _desk(chromium, server, editor):
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, server, editor)
    return page, errors


def test_editor_curates_an_event_and_the_hub_follows(chromium, show, editor):
    server, event, blog, entries, follower = show
    page, errors = _desk(chromium, server, editor)
    desk = f"{server.url}/curate/events/{event.id}/"
    page.goto(f"{server.url}/curate/")
    page.click(f"text={event.name}")
    page.wait_for_url(desk)

    # The editor's summary, rendered from Markdown.
    page.fill("#summary-form textarea[name=summary]", "Day 1: **keynote** at 10:00.")
    page.click("#summary-form button[type=submit]")
    expect(page.locator("#summary-preview strong")).to_have_text("keynote")
    assert follower.wait_for(1) == ["hub_summary_changed"]
    assert "<strong>keynote</strong>" in follower.received[0][1]["summary_html"]

    # Feature the blog as lead, then an entry from the blog's desk; then swap the order.
    page.select_option("#feature-blog select[name=blog_id]", str(blog.id))
    page.check("#feature-blog input[name=lead]")
    page.click("#feature-blog button[type=submit]")
    expect(page.locator("#lead-slot")).to_contain_text(blog.title)
    page.goto(f"{desk}blogs/{blog.id}/")
    page.click(f"li[data-entry-id='{entries[1].id}'] button[data-action=feature]")
    page.goto(desk)
    labels = page.locator("#feature-list li .curate__label")
    expect(labels).to_have_count(2)
    page.click("#feature-list li:nth-child(2) button[value=up]")
    expect(labels.first).to_contain_text("Keynote starts")
    assert follower.wait_for(4)[1:] == ["hub_features_changed"] * 3
    features = follower.received[-1][1]
    assert features["lead"]["blog"]["id"] == blog.id
    assert [f["kind"] for f in features["features"]] == ["entry"]
    assert _feature_order(event.id) == ["entry", "blog"]

    # An agenda session: a bad range is refused with the typed text kept, then fixed.
    page.click("text=Add session")
    page.fill("input[name=title]", "Opening keynote")
    page.fill("input[name=stage]", "Hall 1")
    page.fill("input[name=starts_at]", "2027-03-02T10:00")
    page.fill("input[name=ends_at]", "2027-03-02T09:00")
    page.check("text=Ada Chen, CTO, Acme")
    page.click("#session-form button[type=submit]")
    expect(page.locator("#refusal")).to_contain_text("end must be after the start")
    expect(page.locator("input[name=title]")).to_have_value("Opening keynote")
    expect(page.locator("input[name=speaker_ids]")).to_be_checked()
    page.fill("input[name=ends_at]", "2027-03-02T11:00")
    page.click("#session-form button[type=submit]")
    page.wait_for_url(f"{desk}#agenda")
    expect(page.locator("#agenda-list")).to_contain_text("Tue 02 Mar 10:00–11:00")
    assert follower.wait_for(5)[4] == "agenda_changed"
    session = _one(AgendaSession)
    assert session.starts_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)  # Madrid is UTC+1

    # The blog: tie it to the session, oldest first; pin and mark key; close it.
    page.goto(f"{desk}blogs/{blog.id}/")
    page.select_option("select[name=session_id]", str(session.id))
    page.check("input[name=default_order][value=oldest]")
    page.click("#blog-form button[type=submit]")
    expect(page.locator("select[name=session_id]")).to_have_value(str(session.id))
    first = f"li[data-entry-id='{entries[0].id}']"
    page.click(f"{first} button[data-action=pin]")
    expect(page.locator(f"{first} button[data-action=unpin]")).to_be_visible()
    page.click(f"{first} button[data-action=key]")
    expect(page.locator(f"{first} button[data-action=unkey]")).to_be_visible()
    page.click("button[name=status][value=ended]")
    page.click("#confirm-yes")  # closing a blog asks first
    expect(page.locator("#ended-notice")).to_contain_text("read-only archive")
    expect(page.locator("#blog-form")).to_have_count(0)
    names = follower.wait_for(10)[5:]
    assert names == [
        "blog_changed",
        "hub_features_changed",  # the featured cards carry the blog's session and order
        "key_moments_changed",  # pinning an unfeatured entry is no news for the hub
        "blog_status_changed",
        "hub_features_changed",  # the lead card shows the blog ended
    ]
    stored = _one(LiveBlog)
    assert (stored.session_id, stored.default_order) == (session.id, "oldest")
    assert stored.status == BlogStatus.ENDED
    start = follower.since
    assert [m["seq"] for _, m in follower.received] == list(range(start + 1, start + 11))
    # The refused session form answered 422 on purpose; nothing else may fail.
    assert [e for e in errors if "status of 422" not in e] == []


def _one(model):
    db.session.remove()
    return db.session.scalar(select(model))


def _feature_order(event_id: int) -> list[str]:
    db.session.remove()
    stmt = select(HubFeature).where(HubFeature.event_id == event_id).order_by(HubFeature.position)
    return ["entry" if f.entry_id else "blog" for f in db.session.scalars(stmt)]
