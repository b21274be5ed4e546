"""Desk photo entries in headless Chromium: text first, photo after; offline; refused."""

from __future__ import annotations

import time

import pytest
from browser_support import WAIT_MS, Server, log_in, log_in_again
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from blog.models import Entry, EntryRevision, Media, Role
from blog.platform import db

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
NOT_A_PHOTO = "This is not a JPEG, PNG, WebP or GIF image"


@pytest.fixture
def desk(app, database_url, make_blog, make_user, tmp_path):
    """A live blog and its reporter, served by `python app.py` with photos under tmp_path."""
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event], email="lens@example.test")
    db.session.remove()
    server = Server(database_url)
    server.env["SHOWFLOOR_MEDIA_ROOT"] = str(tmp_path / "media")
    server.start()
    yield server, blog, reporter
    server.stop()


@pytest.fixture
def photo_path(tmp_path):
    """A real JPEG on disk, as the phone's file picker hands it over."""
    path = tmp_path / "IMG_0042.jpg"
    Image.new("RGB", (1200, 800), (200, 60, 40)).save(path, "JPEG")
    return path


def open_composer(context, server, blog, reporter):
    page = context.new_page()
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    return page


def compose_photo(page, text, photo, alt="The stage lit in red"):
    page.check("input[name=kind][value=image]")
    page.fill("textarea[name=source]", text)
    page.set_input_files("input[name=file]", photo)
    page.fill("input[name=alt]", alt)
    page.click("#composer button[value=publish]")


def hold_the_upload(page, text, photo):
    """Compose a photo entry and hold its upload (its text is out); return the held request.

    The test releases it with .continue_() or drops it with .abort(); a
    retry after that goes through. The desk's service worker must be blocked
    in the context: page.route sees only requests no worker answers.
    """
    held = []
    page.route("**/desk/media", lambda route: route.continue_() if held else held.append(route))
    compose_photo(page, text, photo)
    expect(page.locator("#outbox-items progress")).to_be_visible(timeout=WAIT_MS)
    deadline = time.monotonic() + WAIT_MS / 1000
    while not held:  # Playwright hands over the route while the test waits on the page
        assert time.monotonic() < deadline, "the photo upload never started"
        page.wait_for_timeout(20)
    return held[0]


def compose_text(page, text):
    page.check("input[name=kind][value=text]")
    page.fill("textarea[name=source]", text)
    page.click("#composer button[value=publish]")


def entries_of(blog_id: int) -> list[Entry]:
    db.session.remove()
    stmt = select(Entry).where(Entry.blog_id == blog_id).order_by(Entry.id)
    return list(db.session.scalars(stmt))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def widest(page, selector: str) -> float:
    """The right edge of the widest element matching selector, in CSS pixels."""
    script = "s => Math.max(...[...document.querySelectorAll(s)].map("
    script += "e => e.getBoundingClientRect().right))"
    return page.evaluate(script, selector)


def assert_photo_attached_once(entry: Entry) -> None:
    """One photo stored, on this entry, put there by exactly one edit."""
    assert count(Media) == 1 and entry.media_id is not None
    assert count(EntryRevision) == 1 and entry.version == 2


def test_readers_see_the_text_first_and_then_the_photo_appear(chromium, desk, photo_path):
    server, blog, reporter = desk
    readers = chromium.new_context()
    reader = readers.new_page()
    reader.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}")
    reader.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    context = chromium.new_context(viewport=PHONE, service_workers="block")
    page = open_composer(context, server, blog, reporter)
    upload = hold_the_upload(page, "The foldable, up close", str(photo_path))
    entry = reader.locator(".entry", has_text="The foldable, up close")
    expect(entry.locator(".entry__photo--pending")).to_have_text("Photo coming…", timeout=WAIT_MS)
    assert widest(page, "#composer, #composer *, #outbox, #outbox *") <= PHONE["width"]
    upload.continue_()
    photo = entry.locator(".entry__photo img")
    expect(photo).to_have_attribute("alt", "The stage lit in red", timeout=WAIT_MS)
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    (only,) = entries_of(blog.id)
    assert_photo_attached_once(only)
    context.close()
    readers.close()


def test_photos_queued_offline_survive_a_reload_and_go_out_once_in_order(
    chromium, desk, photo_path
):
    server, blog, reporter = desk
    context = chromium.new_context(viewport=PHONE)
    page = open_composer(context, server, blog, reporter)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=WAIT_MS)
    context.set_offline(True)
    compose_photo(page, "Hall 3 opens", str(photo_path))
    compose_text(page, "Queues at the Aurora booth")
    items = page.locator("#outbox-items li")
    expect(items).to_have_count(2)
    page.reload()  # the service worker answers; the photo waits in IndexedDB
    expect(items).to_have_count(2)
    thumbnail = items.first.locator("img.outbox__thumb")
    # Read back from IndexedDB after the reload: slower than 5 s on a busy CI machine.
    expect(thumbnail).to_have_attribute("alt", "The stage lit in red", timeout=WAIT_MS)
    expect(items.first).to_contain_text("Queued")
    assert entries_of(blog.id) == []
    context.set_offline(False)
    expect(items).to_have_count(0, timeout=WAIT_MS)
    first, second = entries_of(blog.id)
    assert (first.source, second.source) == ("Hall 3 opens", "Queues at the Aurora booth")
    assert second.media_id is None
    assert_photo_attached_once(first)
    context.close()


def test_a_refused_photo_keeps_text_and_file_and_says_why(chromium, desk, photo_path):
    server, blog, reporter = desk
    context = chromium.new_context(service_workers="block")
    page = open_composer(context, server, blog, reporter)
    disguised = {"name": "booth.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo " * 64}
    compose_photo(page, "Demo at booth 5", disguised, alt="")
    expect(page.locator(".photo-problem")).to_contain_text("alt text")  # checked before sending
    page.fill("input[name=alt]", "A demo at booth 5")
    page.click("#composer button[value=publish]")
    failed = page.locator("#outbox-items li.outbox__item--failed")
    expect(failed).to_contain_text(NOT_A_PHOTO, timeout=WAIT_MS)
    expect(failed).to_contain_text("Demo at booth 5")
    page.reload()  # still there, file and all
    with page.expect_response("**/desk/media") as again:
        failed.get_by_role("button", name="Send photo again").click()
    assert again.value.status == 422
    expect(failed).to_contain_text(NOT_A_PHOTO)
    failed.locator("input[type=file]").set_input_files(str(photo_path))
    failed.get_by_role("button", name="Send photo again").click()
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    (only,) = entries_of(blog.id)
    assert only.source == "Demo at booth 5" and only.media.alt == "A demo at booth 5"
    assert_photo_attached_once(only)
    context.close()


def test_a_lost_answer_and_an_ended_session_still_attach_the_photo_once(chromium, desk, photo_path):
    server, blog, reporter = desk
    context = chromium.new_context(service_workers="block")
    page = open_composer(context, server, blog, reporter)
    upload = hold_the_upload(page, "Backstage before the keynote", str(photo_path))
    assert upload.fetch().status == 201  # the server stores the photo…
    context.clear_cookies()  # …the session ends…
    upload.abort()  # …and the Wi-Fi drops the answer: the outbox sends the photo again
    expect(page.locator("#outbox-status a", has_text="Log in again")).to_be_visible()
    (waiting,) = entries_of(blog.id)
    assert waiting.media_id is None
    log_in_again(page, server, reporter)
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    (only,) = entries_of(blog.id)
    assert_photo_attached_once(only)
    context.close()
