"""Photos and link cards in headless Chromium against a real gevent server process."""

from __future__ import annotations

import io
import time

import pytest
from browser_support import WAIT_MS, Server, log_in
from conftest import api_headers
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from blog import actions
from blog.models import Entry, EntryKind, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, database_url, make_blog, make_user, tmp_path):
    """A live blog and its reporter, served by `python app.py` with photos under tmp_path."""
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event], email="photo@example.test")
    headers = api_headers(reporter)
    db.session.remove()
    server = Server(database_url)
    server.env["SHOWFLOOR_MEDIA_ROOT"] = str(tmp_path / "media")
    server.start()
    yield server, blog, reporter, headers
    server.stop()


def phone_photo() -> bytes:
    """A 2400×1600 JPEG stored sideways, as phones do, with orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), (30, 90, 160)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def newest_entry(blog_id: int) -> Entry:
    db.session.remove()
    stmt = select(Entry).where(Entry.blog_id == blog_id).order_by(Entry.id.desc())
    return db.session.scalars(stmt).first()


def wait_for_photo_entry(blog_id: int) -> Entry:
    """Poll until the blog's newest entry has its photo attached; fail after WAIT_MS."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        entry = newest_entry(blog_id)
        if entry is not None and entry.media is not None:
            return entry
        time.sleep(0.05)  # a poll interval with a deadline, not a stand-in for an event
    raise AssertionError(f"no entry with a photo on blog {blog_id} within {WAIT_MS} ms")


def test_a_phone_photo_goes_out_upright_as_webp_through_the_outbox(chromium, site):
    server, blog, reporter, _ = site
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.check("input[name=kind][value=image]")
    page.fill("textarea[name=source]", "The foldable, up close")
    page.set_input_files(
        "input[name=file]",
        {"name": "IMG_0042.JPG", "mimeType": "image/jpeg", "buffer": phone_photo()},
    )
    page.fill("input[name=alt]", "A foldable phone held open in a hand")
    page.fill("input[name=credit]", "Rafael / Showfloor")
    page.click("#composer button[value=publish]")
    # Text first, then the photo (tests/test_browser_desk_photos.py follows each step).
    # The outbox is empty both before the item is drawn and after it is sent, so
    # wait for the photo on the server, then for the outbox to have let it go.
    entry = wait_for_photo_entry(blog.id)
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    assert entry.kind == EntryKind.IMAGE and entry.media.credit == "Rafael / Showfloor"
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}")
    photo = page.locator(".entry__photo img").first
    expect(photo).to_have_attribute("alt", "A foldable phone held open in a hand")
    # Upright: the sideways 2400×1600 original stands 1600 wide and 2400 high.
    assert photo.get_attribute("width") == "1600" and photo.get_attribute("height") == "2400"
    served = context.request.get(server.url + photo.get_attribute("src"))
    assert served.status == 200 and served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    context.close()


def test_a_link_card_goes_out_through_the_outbox(chromium, site):
    server, blog, reporter, _ = site
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.check("input[name=kind][value=embed]")
    page.fill("input[name=embed_url]", "https://www.youtube.com/watch?v=keynote2027")
    page.fill("input[name=embed_title]", "The keynote, in full")
    page.click("#composer button[value=publish]")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    entry = newest_entry(blog.id)
    assert entry.kind == EntryKind.EMBED and entry.embed["provider"] == "YouTube"
    reader = context.new_page()
    reader.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}")
    card = reader.locator(".link-card")
    expect(card).to_have_attribute("rel", "nofollow noopener")
    expect(card).to_contain_text("The keynote, in full")
    assert reader.locator("iframe").count() == 0
    context.close()


def test_readers_see_the_photo_appear_when_it_is_attached(chromium, site):
    server, blog, reporter, headers = site
    text_first = actions.EntryInput(kind="image", source="Keynote starts")
    placeholder, _ = actions.post_entry(reporter, blog.id, text_first, "photo-later-1")
    db.session.remove()
    context = chromium.new_context()
    reader = context.new_page()
    reader.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}")
    reader.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    expect(reader.locator(f"#entry-{placeholder.id}")).to_contain_text("Photo coming…")
    uploaded = context.request.post(
        f"{server.url}/api/v1/media",
        headers=headers,
        multipart={
            "file": {"name": "stage.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()},
            "blog_id": str(blog.id),
            "alt": "The keynote speaker on stage",
        },
    )
    assert uploaded.status == 201, uploaded.text()
    attached = context.request.post(
        f"{server.url}/api/v1/entries/{placeholder.id}/media",
        headers=headers,
        data={"media_id": uploaded.json()["id"]},
    )
    assert attached.status == 200, attached.text()
    photo = reader.locator(f"#entry-{placeholder.id} .entry__photo img")
    expect(photo).to_have_attribute("alt", "The keynote speaker on stage", timeout=WAIT_MS)
    expect(reader.locator(f"#entry-{placeholder.id}")).not_to_contain_text("Photo coming")
    context.close()
