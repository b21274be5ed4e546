"""Readers' pages: index, hub, blog page with pinning and paging, permalinks, headers, no-JS."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from blog import actions
from blog.models import BlogStatus, Entry, LiveBlog, Role
from blog.platform import db


@pytest.fixture
def blog(make_blog):
    return make_blog()


def page_of(blog) -> str:
    return f"/e/{blog.event.slug}/{blog.slug}/"


def get_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no #{section_id} section"
    return match.group(1)


def entry_ids(fragment: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article [^>]*id="entry-(\d+)"', fragment)]


def older_link(html: str) -> str | None:
    match = re.search(r'<p class="older"><a [^>]*href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def last_seq(blog) -> int:
    return db.session.get(LiveBlog, blog.id, populate_existing=True).last_seq


# --- index and hub --------------------------------------------------------------------------


def test_index_without_events(client):
    assert "No events yet" in get_html(client, "/")


def test_index_lists_events_newest_first(client, make_event):
    make_event("old-show", name="Old Show", starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 3))
    make_event("new-show", name="New Show", starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 3))
    make_event("mid-show", name="Mid Show", starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 3))
    html = get_html(client, "/")
    assert [m for m in re.findall(r'href="/e/([^"/]+)/"', html)] == [
        "new-show",
        "mid-show",
        "old-show",
    ]
    assert "No events yet" not in html


def test_hub_groups_blogs_by_status_with_their_key_entries(
    client, make_event, make_blog, make_entry, editor
):
    event = make_event("mfc-2027", name="Mobile Frontier Congress", venue="Fira", city="Barcelona")
    live = make_blog(event=event, slug="keynote")
    make_blog(event=event, status=BlogStatus.SCHEDULED, slug="hall-3")
    ended = make_blog(event=event, slug="press")
    make_entry(ended, source="Press key", headline="Price and dates", is_key=True)
    actions.set_blog_status(editor, ended.id, BlogStatus.ENDED)
    keys = [make_entry(live, source=f"Key {n}", is_key=True) for n in range(4)]
    make_entry(live, source="Not a key moment")
    actions.retract_entry(editor, keys[3].id)

    html = get_html(client, "/e/mfc-2027/")
    assert "Mobile Frontier Congress" in html and "Fira, Barcelona" in html
    groups = dict(
        re.findall(r'<section class="hub__group hub__group--(\w+)">\s*<h2>([^<]+)</h2>', html)
    )
    assert groups == {"live": "Live now", "scheduled": "Coming up", "ended": "Ended"}
    assert [m.group(1) for m in re.finditer(r"hub__group--(\w+)", html)] == [
        "live",
        "scheduled",
        "ended",
    ]

    def group(status):
        return re.search(rf'hub__group--{status}">(.*?)</section>', html, re.S).group(1)

    assert "/e/mfc-2027/keynote/" in group("live") and "/e/mfc-2027/hall-3/" in group("scheduled")
    assert "/e/mfc-2027/press/" in group("ended")
    live_keys = re.findall(r"/entries/(\d+)", group("live"))
    # Newest three published key entries; the retracted one and ordinary ones are left out.
    assert [int(n) for n in live_keys] == [keys[2].id, keys[1].id, keys[0].id]
    assert "Not a key moment" not in html
    assert "Price and dates" in group("ended")
    assert "/entries/" not in group("scheduled")


def test_hub_leaves_out_empty_groups(client, make_event, make_blog):
    event = make_event("quiet-show")
    make_blog(event=event)
    html = get_html(client, "/e/quiet-show/")
    assert "Live now" in html and "Coming up" not in html and "Ended</h2>" not in html


def test_unknown_event_is_404(client):
    assert client.get("/e/no-such-show/").status_code == 404


# --- the blog page --------------------------------------------------------------------------


def test_blog_page_shows_entries_newest_first_in_the_server_html(client, blog, make_entry):
    posted = [make_entry(blog, source=f"Update number {n}") for n in range(5)]
    html = get_html(client, page_of(blog))
    assert entry_ids(section(html, "entries")) == [e.id for e in reversed(posted)]
    for n in range(5):
        assert f"<p>Update number {n}</p>" in html
    assert 'id="empty"' not in html
    assert "A live blog" in html and ">Live</span>" in html


def test_blog_page_carries_the_blog_head_seq(client, blog, make_entry, editor):
    entry = make_entry(blog)
    actions.mark_key_entry(editor, entry.id, True)
    html = get_html(client, page_of(blog))
    seq = re.search(r'id="live" data-blog-id="(\d+)" data-seq="(\d+)"', html)
    assert int(seq.group(1)) == blog.id
    assert int(seq.group(2)) == last_seq(blog) == 3
    assert f'data-changes-url="/api/v1/blogs/{blog.id}/changes"' in html


def test_pinned_entry_is_on_top_and_not_repeated(client, blog, make_entry, editor):
    first, second, third = (make_entry(blog, source=f"Entry {n}") for n in range(3))
    actions.pin_entry(editor, first.id)
    html = get_html(client, page_of(blog))
    assert entry_ids(section(html, "pinned")) == [first.id]
    assert entry_ids(section(html, "entries")) == [third.id, second.id]
    assert html.count(f'id="entry-{first.id}"') == 1
    assert "badge--pinned" in section(html, "pinned")


def test_retracted_and_pending_entries_are_not_on_the_page(
    client, blog, make_entry, make_user, editor
):
    kept = make_entry(blog, source="Kept")
    gone = make_entry(blog, source="Taken back")
    actions.retract_entry(editor, gone.id)
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    make_entry(blog, author=contributor, source="Awaiting approval")
    html = get_html(client, page_of(blog))
    assert entry_ids(section(html, "entries")) == [kept.id]
    assert "Taken back" not in html and "Awaiting approval" not in html


def test_older_updates_link_pages_back(client, blog, make_entry, editor):
    posted = [make_entry(blog, source=f"Update {n:02d}") for n in range(45)]
    actions.pin_entry(editor, posted[44].id)
    newest_first = [e.id for e in reversed(posted)]

    first = get_html(client, page_of(blog))
    assert entry_ids(section(first, "pinned")) == [newest_first[0]]
    assert entry_ids(section(first, "entries")) == newest_first[1:20]
    assert 'data-paged="0"' in first
    link = older_link(first)
    assert link == f"{page_of(blog)}?before={newest_first[19]}"

    second = get_html(client, link)
    assert entry_ids(section(second, "entries")) == newest_first[20:40]
    assert entry_ids(section(second, "pinned")) == []  # pinned sits on the live page only
    assert 'data-paged="1"' in second and "Back to the latest updates" in second

    third = get_html(client, older_link(second))
    assert entry_ids(section(third, "entries")) == newest_first[40:]
    assert older_link(third) is None


def test_no_older_link_when_everything_fits(client, blog, make_entry):
    for n in range(20):
        make_entry(blog, source=f"Update {n}")
    assert older_link(get_html(client, page_of(blog))) is None


@pytest.mark.parametrize(
    "cursor", ["abc", "", "-1", "1.0", "%C2%B2", "999999", "other-blog", "pending"]
)
def test_bad_cursor_is_404(client, make_blog, make_entry, make_user, cursor):
    blog, other = make_blog(), make_blog()
    make_entry(blog)
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    special = {
        "other-blog": lambda: make_entry(other).id,
        "pending": lambda: make_entry(blog, author=contributor).id,
    }
    value = special[cursor]() if cursor in special else cursor
    assert client.get(f"{page_of(blog)}?before={value}").status_code == 404


def test_empty_scheduled_blog(client, make_blog):
    blog = make_blog(status=BlogStatus.SCHEDULED)
    html = get_html(client, page_of(blog))
    assert ">Not started</span>" in html and 'id="empty"' in html
    assert 'data-seq="0"' in html


def test_ended_blog_is_still_served(client, blog, make_entry, editor):
    entry = make_entry(blog, source="From the archive")
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    html = get_html(client, page_of(blog))
    assert ">Ended</span>" in html and entry_ids(section(html, "entries")) == [entry.id]


def test_unknown_blog_or_wrong_event_is_404(client, make_blog):
    blog, other = make_blog(), make_blog()
    assert client.get(f"/e/{blog.event.slug}/no-such-blog/").status_code == 404
    assert client.get(f"/e/{other.event.slug}/{blog.slug}/").status_code == 404


def test_entry_times_are_shown_in_the_venue_timezone(client, make_event, make_blog, make_entry):
    # en_GB writes the 24-hour clock, as strftime's %H:%M below.
    blog = make_blog(event=make_event(timezone="Asia/Tokyo", locale="en_GB"))
    entry = make_entry(blog)
    published = db.session.get(Entry, entry.id).published_at
    html = get_html(client, page_of(blog))
    local = published.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    assert f">{local}</time>" in html
    assert f'datetime="{published.isoformat()}"' in html


def test_key_moments_sidebar(client, blog, make_entry):
    make_entry(blog, source="Ordinary")
    key = make_entry(blog, source="The big reveal", headline="Reveal", is_key=True)
    html = get_html(client, page_of(blog))
    keys = re.search(r'<ul class="keylist"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert re.search(rf"(/entries/|#entry-){key.id}\b", keys)
    assert "Reveal" in keys and "Ordinary" not in keys


def test_writer_html_and_text_are_escaped_on_the_page(client, blog, make_entry):
    speaker = actions.add_speaker(blog.event, "<b>Mallory</b>", "<i>CTO</i>", "Evil & Co")
    make_entry(
        blog,
        kind="quote",
        speaker_id=speaker.id,
        headline="<script>alert('headline')</script>",
        source="<img src=x onerror=alert(1)> [x](javascript:alert(2))",
        tags=["<svg onload=alert(3)>"],
    )
    html = get_html(client, page_of(blog))
    assert "<script>alert" not in html and "<img" not in html and "<svg" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html and "Evil &amp; Co" in html


# --- permalinks -----------------------------------------------------------------------------


def test_entry_permalink(client, blog, make_entry):
    entry = make_entry(blog, source="One **screwdriver**.", headline="Repair")
    html = get_html(client, f"{page_of(blog)}entries/{entry.id}")
    assert "<p>One <strong>screwdriver</strong>.</p>" in html
    assert '<meta property="og:title" content="Repair">' in html
    assert f'href="{page_of(blog)}"' in html  # back to the blog


def test_retracted_permalink_is_410(client, blog, make_entry, editor):
    entry = make_entry(blog, source="A claim we took back")
    actions.retract_entry(editor, entry.id)
    response = client.get(f"{page_of(blog)}entries/{entry.id}")
    assert response.status_code == 410
    assert "took back" not in response.get_data(as_text=True)


def test_unknown_pending_or_misplaced_permalink_is_404(client, make_blog, make_entry, make_user):
    blog, other = make_blog(), make_blog()
    elsewhere = make_entry(other)
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    pending = make_entry(blog, author=contributor)
    for entry_id in (999999, elsewhere.id, pending.id):
        assert client.get(f"{page_of(blog)}entries/{entry_id}").status_code == 404, entry_id


# --- headers and pages without JavaScript ---------------------------------------------------


# Script types a browser runs; anything else (JSON-LD, say) is inert data.
RUNNABLE_SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class _ScriptAudit(HTMLParser):
    """Collect runnable script tags, their inline code and inline event handler attributes."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self._in_script = False
        self.inline_code = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [(tag, a) for a in attrs if a.startswith("on")]
        if tag == "script" and (attrs.get("type") or "").lower() in RUNNABLE_SCRIPT_TYPES:
            self.scripts.append(attrs)
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_code += data.strip()


@pytest.fixture
def pages(client, blog, make_entry):
    entry = make_entry(blog, source="Something happened", is_key=True)
    return [
        "/",
        f"/e/{blog.event.slug}/",
        page_of(blog),
        f"{page_of(blog)}entries/{entry.id}",
        "/login",
        "/e/no-such-show/",
    ]


def test_security_headers_on_pages(client, pages):
    for url in pages:
        response = client.get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
        assert directives.get("script-src") == "'self'", url
        assert directives.get("object-src") == "'none'", url
        assert "unsafe-inline" not in csp, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("Referrer-Policy"), url


def test_pages_need_no_inline_script(client, pages):
    for url in pages:
        audit = _ScriptAudit()
        audit.feed(client.get(url).get_data(as_text=True))
        assert audit.inline_code == "", url
        assert audit.handlers == [], url
        for script in audit.scripts:
            assert script.get("src", "").startswith("/static/"), url
            assert "defer" in script, url


def test_blog_page_is_complete_without_javascript(client, blog, make_entry, editor):
    pinned = make_entry(blog, source="Pinned news", headline="Read this first")
    entry = make_entry(
        blog, source="Hands-on: *good hinge*", headline="Hands-on", tags=["devices"], is_key=True
    )
    actions.pin_entry(editor, pinned.id)
    html = get_html(client, page_of(blog))
    # Everything a reader needs is in the HTML the server sent.
    assert "Read this first" in section(html, "pinned")
    body = section(html, "entries")
    assert "<p>Hands-on: <em>good hinge</em></p>" in body
    assert "#devices" in body and "Key moment" in body
    assert f'href="{page_of(blog)}entries/{entry.id}"' in body  # a permalink, no script needed
    assert "/static/js/live.js" in html
