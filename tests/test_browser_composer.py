"""The phone composer in Chromium: Publish in reach with the keyboard open, one kind's fields at a
time, camera and gallery, tag suggestions, drafts in place, co-authors, the reader pane on a laptop,
and no console error on any desk or editor page."""

from __future__ import annotations

import re

import pytest
from browser_support import WAIT_MS
from desk_site import LAPTOP, serve_desk_site
from playwright.sync_api import expect
from sqlalchemy import select

from blog.models import Entry
from blog.platform import db

pytestmark = pytest.mark.browser

KEYBOARD_OPEN = {"width": 360, "height": 400}
# Pages that are not pages a person opens: JSON answers.
NOT_PAGES = {"editor.export", "editor.queue_items"}


@pytest.fixture(scope="module")
def site(migrated_template, tmp_path_factory):
    yield from serve_desk_site(migrated_template, tmp_path_factory)


def composer(site, chromium, who="reporter", **options):
    page = site.page(chromium, who, **options)
    page.goto(site.url(f"/desk/blogs/{site.ids['blog']}"))
    return page


def newest(site, text):
    with site.app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.source == text))
        found = (entry.status.value, entry.byline) if entry else None
        db.session.remove()
    return found


def publish_and_close(site, page, text, byline):
    """Tap Publish, wait for the outbox to empty, check the entry's byline and the console."""
    page.click("#composer button[value=publish]")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    assert newest(site, text) == ("published", byline)
    page.context.close()
    assert page.errors == []


def in_view(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_text_first_and_publish_in_reach_with_the_keyboard_open(site, chromium):
    page = composer(site, chromium)
    expect(page.locator("textarea[name=source]")).to_be_focused()
    assert in_view(page, "#composer button[value=publish]")
    page.set_viewport_size(KEYBOARD_OPEN)  # what the on-screen keyboard leaves of the screen
    page.keyboard.type("Typed with the keyboard up.")
    assert in_view(page, "#composer button[value=publish]")
    assert in_view(page, "#kind-switch") and in_view(page, "input[data-photo=camera] + svg")
    publish_and_close(site, page, "Typed with the keyboard up.", "Reporter")


def test_the_kind_switch_shows_only_that_kinds_fields(site, chromium):
    page = composer(site, chromium)
    fields = {
        "text": [],
        "quote": ["select[name=speaker_id]", "textarea[name=context]"],
        "image": ["input[name=alt]", "input[name=caption]"],
        "embed": ["input[name=embed_url]"],
    }
    every = [f for kind in fields.values() for f in kind]
    for kind, shown in fields.items():
        page.check(f"input[name=kind][value={kind}]")
        for selector in every:
            if selector in shown:
                expect(page.locator(selector)).to_be_visible()
            else:
                expect(page.locator(selector)).to_be_hidden()
    page.check("input[name=kind][value=quote]")
    expect(page.locator(".speaker-search")).to_be_focused()  # the next thing a quote needs
    page.context.close()
    assert page.errors == []


def test_camera_and_gallery_each_make_a_photo_entry(site, chromium):
    page = composer(site, chromium)
    camera = page.locator("input[data-photo=camera]")
    gallery = page.locator("input[data-photo=gallery]")
    assert camera.get_attribute("capture") == "environment"
    assert gallery.get_attribute("capture") is None
    assert camera.get_attribute("accept") == gallery.get_attribute("accept") == "image/*"
    expect(page.get_by_label("Take photo")).to_have_count(1)
    expect(page.get_by_label("Choose photo")).to_have_count(1)
    png = {"name": "stage.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64}
    gallery.set_input_files(png)
    expect(page.locator("input[name=kind][value=image]")).to_be_checked()
    expect(page.locator("#photo-chosen")).to_contain_text("stage.png")
    expect(page.locator("input[name=alt]")).to_be_focused()
    camera.set_input_files(png)  # one photo per entry: the gallery's lets go
    assert gallery.evaluate("e => e.files.length") == 0
    page.context.close()
    assert page.errors == []


def test_tags_are_suggested_from_the_events_tags(site, chromium):
    page = composer(site, chromium)
    page.click(".more summary")
    page.fill("input[name=tags]", "Spec")
    page.get_by_role("button", name="spectrum").click()  # tags are kept lower-case
    expect(page.locator("input[name=tags]")).to_have_value("spectrum, ")
    page.keyboard.type("bat")
    page.get_by_role("button", name="batteries").click()
    expect(page.locator("input[name=tags]")).to_have_value("spectrum, batteries, ")
    page.context.close()
    assert page.errors == []


def test_a_draft_joins_its_list_without_a_reload(site, chromium):
    page = composer(site, chromium)
    page.fill("textarea[name=source]", "Kept for later.")
    page.click("#composer button[value=draft]")
    draft = page.locator("#drafts-list li", has_text="Kept for later.")
    expect(draft).to_be_visible(timeout=WAIT_MS)
    expect(draft.get_by_role("link", name="Edit")).to_have_attribute("href", re.compile(r"/edit$"))
    draft.get_by_role("button", name="Publish now").click()
    page.wait_for_url(site.url(f"/desk/blogs/{site.ids['blog']}"))
    assert newest(site, "Kept for later.") == ("published", "Reporter")
    page.context.close()
    assert page.errors == []


def test_co_authors_are_picked_in_the_composer(site, chromium):
    page = composer(site, chromium)
    page.fill("textarea[name=source]", "Written by two.")
    page.click(".more summary")
    page.get_by_label("Colleague").check()
    publish_and_close(site, page, "Written by two.", "Reporter and Colleague")


def test_a_laptop_shows_the_blog_as_readers_see_it_beside_the_composer(site, chromium):
    page = composer(site, chromium, viewport=LAPTOP)
    frame = page.frame_locator("#reader-pane iframe")
    expect(frame.locator(".entries")).to_be_visible(timeout=WAIT_MS)
    composer_box = page.locator("#composer").bounding_box()
    pane_box = page.locator("#reader-pane").bounding_box()
    assert pane_box["x"] >= composer_box["x"] + composer_box["width"]
    page.fill("textarea[name=source]", "Seen beside the composer.")
    page.click("#composer button[value=publish]")
    expect(frame.locator(".entry", has_text="Seen beside the composer.")).to_be_visible(
        timeout=WAIT_MS
    )
    page.context.close()
    assert page.errors == []


def desk_pages(site) -> list[str]:
    """Every GET page of the desk and editor blueprints, its URL filled from the site."""
    values = {
        "blog_id": site.ids["blog"],
        "event_id": site.ids["event"],
        "entry_id": site.ids["entry"],
        "batch_id": site.ids["batch"],
        "session_id": site.ids["session"],
        "webhook_id": site.ids["webhook"],
        "user_id": site.ids["user"],
        "event_slug": site.slugs["event"],
        "token": site.token,
    }
    urls = []
    with site.app.test_request_context():
        from flask import url_for

        for rule in site.app.url_map.iter_rules():
            if rule.endpoint.split(".")[0] not in ("desk", "editor") or "GET" not in rule.methods:
                continue
            if rule.endpoint in NOT_PAGES or rule.endpoint == "desk.login":
                continue
            unknown = set(rule.arguments) - set(values)
            assert not unknown, f"{rule.rule}: give the test a value for {unknown}"
            urls.append(url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
    return sorted(set(urls))


def test_no_console_error_on_any_desk_or_editor_page(site, chromium):
    urls = desk_pages(site)
    assert len(urls) >= 15, urls
    page = site.page(chromium, "editor")
    for url in urls:
        response = page.goto(site.url(url))
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("load")
    page.context.close()
    assert page.errors == []
