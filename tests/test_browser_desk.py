"""The reporter desk in headless Chromium: offline outbox, expired session, conflicts, speakers."""

from __future__ import annotations

import re

import pytest
from browser_support import RECORD_FRAMES, WAIT_MS, Server, log_in, log_in_again
from playwright.sync_api import expect
from sqlalchemy import select

from blog import actions
from blog.models import Entry, EntryStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(app, database_url, make_blog, make_user, make_event):
    """A live blog, its reporter and a speaker roster, served by a real server process."""
    blog = make_blog()
    actions.add_speaker(blog.event, "Inés Valbuena", "Chief Executive", "Aurora Devices")
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter
    server.stop()


def published_sources(blog_id):
    db.session.remove()
    stmt = (
        select(Entry.source)
        .where(Entry.blog_id == blog_id, Entry.status == EntryStatus.PUBLISHED)
        .order_by(Entry.published_at, Entry.id)
    )
    return list(db.session.scalars(stmt))


def open_composer(context, server, blog, reporter):
    page = context.new_page()
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    return page


def queue(page, text):
    page.fill("textarea[name=source]", text)
    page.click("#composer button[value=publish]")


def test_entries_written_offline_survive_a_reload_and_go_out_once_in_order(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=WAIT_MS)
    context.set_offline(True)
    for text in ("First from the hall", "Second from the hall", "Third from the hall"):
        queue(page, text)
    expect(page.locator("#outbox-items li")).to_have_count(3)
    page.reload()  # answered by the service worker from the cached copy
    expect(page.locator("#outbox-items li")).to_have_count(3)
    assert published_sources(blog.id) == []
    context.set_offline(False)
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    assert published_sources(blog.id) == [
        "First from the hall",
        "Second from the hall",
        "Third from the hall",
    ]
    context.close()


def test_ctrl_enter_publishes(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    page.fill("textarea[name=source]", "Sent with the keyboard")
    page.press("textarea[name=source]", "Control+Enter")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    assert published_sources(blog.id) == ["Sent with the keyboard"]
    context.close()


def test_an_expired_session_asks_to_log_in_and_then_sends_the_queue(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    context.clear_cookies()  # the session expired while the reporter was writing
    queue(page, "Written after the session expired")
    expect(page.locator("#outbox-status a", has_text="Log in again")).to_be_visible()
    assert published_sources(blog.id) == []
    log_in_again(page, server, reporter)
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    assert published_sources(blog.id) == ["Written after the session expired"]
    context.close()


def test_a_refused_entry_keeps_its_text_and_says_why(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    page.check("input[name=kind][value=quote]")  # a quote without a speaker is refused
    queue(page, "Nobody said this")
    failed = page.locator("#outbox-items li.outbox__item--failed")
    expect(failed).to_contain_text("speaker")
    failed.get_by_role("button", name="Edit").click()
    assert page.input_value("textarea[name=source]") == "Nobody said this"
    context.close()


def test_conflict_dialog_shows_both_texts_and_keeps_the_chosen_one(chromium, desk, editor):
    server, blog, reporter = desk
    entry, _ = actions.post_entry(
        reporter, blog.id, actions.EntryInput(source="Price: 1,199"), "conflict-0001"
    )
    db.session.remove()
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    page.goto(f"{server.url}/desk/entries/{entry.id}/edit")
    actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="Price: €1,099 (editor)"))
    db.session.remove()
    page.fill("textarea[name=source]", "Price: €1,099 from the stage")
    page.click("#edit-form button[type=submit]")
    expect(page.locator("#conflict-theirs")).to_have_text("Price: €1,099 (editor)")
    expect(page.locator("#conflict-mine")).to_have_text("Price: €1,099 from the stage")
    page.click("#keep-mine")
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    assert published_sources(blog.id) == ["Price: €1,099 from the stage"]
    context.close()


def test_speaker_search_and_inline_creation(chromium, desk):
    server, blog, reporter = desk
    context = chromium.new_context()
    page = open_composer(context, server, blog, reporter)
    page.check("input[name=kind][value=quote]")
    page.fill(".speaker-search", "aurora")
    assert "Inés Valbuena" in page.locator("select[name=speaker_id] option:checked").inner_text()
    page.get_by_role("button", name="Add a speaker").click()
    page.fill("input[name=new_speaker_name]", "Kwame Asante")
    page.fill("input[name=new_speaker_title]", "Director of Spectrum Policy")
    page.fill("input[name=new_speaker_organization]", "Open Airwaves Alliance")
    page.get_by_role("button", name="Save speaker").click()
    expect(page.locator("select[name=speaker_id] option:checked")).to_contain_text("Kwame Asante")
    queue(page, "Twenty-seven auction rules is twenty-six too many.")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    reader = context.new_page()
    reader.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    expect(reader.locator(".quote figcaption").first).to_contain_text("Kwame Asante")
    context.close()


def test_the_speaker_picker_ignores_accents_and_case(chromium, desk):
    server, blog, reporter = desk
    actions.add_speaker(blog.event, "Ian Ng", "Analyst", "Aurora Devices")
    db.session.remove()
    page = open_composer(chromium.new_context(), server, blog, reporter)
    page.check("input[name=kind][value=quote]")
    page.fill(".speaker-search", "INES")
    expect(page.locator("select[name=speaker_id] option:checked")).to_contain_text("Inés Valbuena")
    expect(page.locator("select[name=speaker_id] option", has_text="Ian Ng")).to_be_hidden()
    page.context.close()


def test_colleagues_see_each_other_on_the_desk(chromium, desk, make_user):
    server, blog, reporter = desk
    colleague = make_user(Role.REPORTER, events=[blog.event], email="col@example.test")
    db.session.remove()
    mine = open_composer(chromium.new_context(), server, blog, reporter)
    theirs = open_composer(chromium.new_context(), server, blog, colleague)
    expect(mine.locator("#desk-presence")).to_contain_text(colleague.name, timeout=WAIT_MS)
    theirs.fill("textarea[name=source]", "typing…")
    expect(mine.locator("#desk-presence")).to_contain_text("writing", timeout=WAIT_MS)


def test_the_desk_asks_for_the_reconnect_window_and_is_answered(chromium, desk):
    # The desk follows nothing that names the window, so it asks with `hello`, ack id and all.
    server, blog, reporter = desk
    context = chromium.new_context()
    context.add_init_script(RECORD_FRAMES)
    page = open_composer(context, server, blog, reporter)
    page.wait_for_function(
        "() => (window.__frames || []).some(([way, text]) =>"
        " way === 'got' && /^43\\d+\\[\\{.*\"reconnect_window_ms\":1000/.test(text))",
        timeout=WAIT_MS,
    )
    sent = [text for way, text in page.evaluate("window.__frames") if way == "sent"]
    assert any(re.match(r'^42\d+\["hello",', text) for text in sent), sent
