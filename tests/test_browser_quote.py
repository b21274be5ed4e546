"""What readers and reporters see of quotes and quoted text: context, blockquotes, the hub link."""

from __future__ import annotations

import pytest
from browser_support import WAIT_MS, Server, log_in
from playwright.sync_api import expect
from sqlalchemy import select

from blog import actions
from blog.models import Entry, Role
from blog.platform import db

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def site(app, database_url, make_blog, make_user, make_entry):
    """A live blog with a quote carrying context and a text entry quoting a press release."""
    blog = make_blog()
    speaker = actions.add_speaker(blog.event, "Priya Raghunathan", "CTO", "Aurora Devices")
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    quote = make_entry(
        blog,
        kind="quote",
        source="Seven years of updates.",
        speaker_id=speaker.id,
        context="Asked about [support](https://aurora.com/support):",
    )
    text = make_entry(blog, source="From the release:\n\n> Shipping in May.\n\nMore soon.")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter, quote, text
    server.stop()


def watched_page(chromium, **options):
    context = chromium.new_context(viewport=PHONE, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


STYLE = """e => { const s = getComputedStyle(e);
  return [s.borderLeftWidth, s.borderLeftStyle, s.backgroundColor]; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_quote_context_and_quoted_text_are_styled(chromium, site, scheme):
    server, blog, _, quote, text = site
    context, page, errors = watched_page(chromium, color_scheme=scheme)
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    article = page.locator(f"#entry-{quote.id}")
    expect(article.locator(".quote__context a")).to_have_text("support")
    expect(article.locator("blockquote a")).to_have_count(0)
    context_box = article.locator(".quote__context").bounding_box()
    assert context_box["y"] < article.locator("blockquote").bounding_box()["y"]

    quoted = page.locator(f"#entry-{text.id} .entry__body blockquote")
    expect(quoted).to_have_text("Shipping in May.")
    width, style, background = quoted.evaluate(STYLE)
    assert (width, style) == ("4px", "solid")
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", page_background)
    red, green, blue = (int(n) for n in background[4:-1].split(","))
    assert (red + green + blue < 200) == (scheme == "dark"), background
    context.close()
    assert errors == []


def test_link_to_the_event_hub_goes_in_at_the_cursor(chromium, site):
    server, blog, reporter, _, _ = site
    context, page, errors = watched_page(chromium)
    log_in(page, server, reporter)
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    expect(page.locator("#hub-link-address")).to_be_hidden()
    source = page.locator("textarea[name=source]")
    source.fill("Full agenda: . Doors at 9.")
    source.evaluate("e => { e.focus(); e.setSelectionRange(13, 13); }")
    page.click("#hub-link-button")
    hub = f"{server.url}/e/{blog.event.slug}/"
    expected = f"Full agenda: [{blog.event.name}]({hub}). Doors at 9."
    expect(source).to_have_value(expected)
    page.click("#composer button[value=publish]")
    expect(page.locator("#outbox-items li")).to_have_count(0, timeout=WAIT_MS)
    db.session.remove()
    newest = db.session.scalar(select(Entry).order_by(Entry.id.desc()))
    assert newest.source == expected and f'href="{hub}"' in newest.html

    # In a quote the link belongs to the context, never the quotation.
    page.check("input[name=kind][value=quote]")
    page.click("#hub-link-button")
    expect(page.locator("textarea[name=context]")).to_have_value(f"[{blog.event.name}]({hub})")
    context.close()
    assert errors == []
