"""The reader's page in Chromium: bar, order, filters, jumps, permalinks, reconnect, embed."""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_support import RECORD_FRAMES, WAIT_MS, Server, _free_port

from blog import actions
from blog.models import Role
from blog.platform import db

pytestmark = pytest.mark.browser


class Site:
    """A served blog with a token to post through the real server's API."""

    def __init__(self, server, blog, token, ids):
        self.server, self.blog, self.token, self.ids = server, blog, token, ids
        self.path = f"{server.url}/e/{blog.event.slug}/{blog.slug}/"

    def post(self, source: str, **fields) -> int:
        """Publish through the server process, so it pushes to the open pages."""
        body = {"source": source, "idempotency_key": uuid.uuid4().hex, **fields}
        request = urllib.request.Request(
            f"{self.server.url}/api/v1/blogs/{self.blog.id}/entries",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["id"]

    def edit(self, entry_id: int, base_version: int, source: str) -> None:
        """Edit an entry through the server process."""
        request = urllib.request.Request(
            f"{self.server.url}/api/v1/entries/{entry_id}",
            data=json.dumps({"source": source, "base_version": base_version}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="PATCH",
        )
        urllib.request.urlopen(request, timeout=10).close()

    def backdate(self, entry_id: int, display_at: str) -> None:
        """Set an entry's display time through the server process (the token is an editor's)."""
        request = urllib.request.Request(
            f"{self.server.url}/api/v1/entries/{entry_id}",
            data=json.dumps({"display_at": display_at}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="PATCH",
        )
        urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def make_site(app, database_url, make_blog, make_user):
    """Factory: a blog filled by fill(blog), then a real server process serving it."""
    servers = []

    def make(fill=lambda blog: None):
        blog = make_blog()
        ids = fill(blog) or []
        editor = make_user(Role.EDITOR)
        token = actions.create_api_token(editor, "browser")
        blog = db.session.get(type(blog), blog.id)
        blog.event  # noqa: B018  (load before the session goes)
        db.session.remove()
        server = Server(database_url)
        server.start()
        servers.append(server)
        return Site(server, blog, token, ids)

    yield make
    for server in servers:
        server.stop()


def open_page(chromium, url: str, **context_args):
    """A page that records script errors and CSP violations, loaded and live."""
    context = chromium.new_context(**context_args)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP ' + e.violatedDirective))"
    )
    page.goto(url)
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return page, errors


def fill_entries(count: int, **fields):
    def fill(blog):
        ids = []
        for n in range(count):
            data = actions.EntryInput(source=f"Entry number {n}", **fields)
            entry, _ = actions.post_entry(_editor(), blog.id, data, uuid.uuid4().hex)
            ids.append(entry.id)
        return ids

    return fill


def _editor():
    from blog.models import User

    return db.session.query(User).filter(User.role == Role.EDITOR).first()


def entry_ids(page) -> list[int]:
    return page.eval_on_selector_all("#entries .entry", "els => els.map(e => +e.dataset.entryId)")


def test_new_updates_wait_in_a_bar_while_the_reader_is_scrolled_away(chromium, make_site):
    site = make_site(fill_entries(30))
    page, errors = open_page(chromium, site.path)
    title = page.title()
    page.evaluate("window.scrollTo(0, 1200)")
    page.wait_for_function("() => window.scrollY >= 1200")
    before = page.evaluate(
        "[window.scrollY, document.elementFromPoint(200, 200).closest('.entry').id]"
    )
    first_id = site.post("Breaking: the scroll stays put")
    page.wait_for_selector("#newbar:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#newbar") == "1 new update"
    assert page.title() == f"(1) {title}"
    after = page.evaluate(
        "[window.scrollY, document.elementFromPoint(200, 200).closest('.entry').id]"
    )
    assert after == before
    assert page.locator(f"#entry-{first_id}").count() == 0
    assert "1 new update" in page.inner_text("#announce")
    page.click("#newbar")
    page.wait_for_selector(f"#entries .entry:first-child#entry-{first_id}", timeout=WAIT_MS)
    assert page.is_hidden("#newbar")
    assert page.title() == title
    page.wait_for_function("() => window.scrollY < 1200")
    assert errors == []


ANCHOR = """() => {
    const e = document.elementFromPoint(200, 300).closest('.entry');
    return [e.id, Math.round(e.getBoundingClientRect().top), scrollY];
}"""


def test_an_edit_above_the_viewport_leaves_what_the_reader_sees_in_place(chromium, make_site):
    site = make_site(fill_entries(30))
    page, errors = open_page(chromium, site.path)
    page.evaluate("window.scrollTo(0, 1000)")
    page.wait_for_function("() => window.scrollY >= 1000")
    entry_id, top, _ = page.evaluate(ANCHOR)
    newest = site.ids[-1]  # at the top of the page, far above the viewport
    site.edit(newest, 1, "A much longer correction.\n\n" * 12)
    page.wait_for_selector(f"#entry-{newest}[data-version='2']", state="attached")
    assert page.evaluate(ANCHOR)[:2] == [entry_id, top]
    assert page.locator(f"#entry-{newest} .entry__ago").count() == 1
    assert errors == []


def test_a_backdated_entry_moves_to_its_place_on_open_pages(chromium, make_site):
    site = make_site(fill_entries(3))
    page, errors = open_page(chromium, site.path)
    oldest, middle, newest = site.ids
    assert entry_ids(page) == [newest, middle, oldest]
    site.backdate(newest, "2020-01-01T09:00:00+01:00")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#entries .entry')].pop().id === 'entry-{newest}'",
        timeout=WAIT_MS,
    )
    assert entry_ids(page) == [middle, oldest, newest]
    assert errors == []


def test_at_the_top_a_new_entry_slides_in_and_is_announced(chromium, make_site):
    site = make_site(fill_entries(2))
    page, errors = open_page(chromium, site.path)
    entry_id = site.post("Now on stage", headline="Keynote begins")
    page.wait_for_selector(f"#entries .entry:first-child#entry-{entry_id}", timeout=WAIT_MS)
    assert page.inner_text("#announce") == "New update: Keynote begins"
    assert errors == []


def test_order_toggle_uses_the_cursor_and_filters_narrow_live_updates(chromium, make_site):
    def fill(blog):
        return fill_entries(3)(blog) + fill_entries(2, tags=["ai"])(blog)

    site = make_site(fill)
    page, errors = open_page(chromium, site.path)
    newest = entry_ids(page)
    page.click("#order a[data-order=oldest]")
    page.wait_for_selector("#live[data-order=oldest]")
    page.wait_for_selector("#connection.connection--live")
    assert entry_ids(page) == list(reversed(newest))
    page.click("#filters-box summary")
    page.select_option("#filters select[name=tag]", "ai")
    page.wait_for_url("**tag=ai**")
    page.wait_for_selector("#connection.connection--live")
    assert len(entry_ids(page)) == 2
    assert "order=oldest" in page.url
    untagged = site.post("No tag here")
    tagged = site.post("More on AI", tags=["ai"])
    page.wait_for_selector(f"#entry-{tagged}", timeout=WAIT_MS)
    assert page.locator(f"#entry-{untagged}").count() == 0
    assert entry_ids(page)[-1] == tagged  # oldest first: the newest is last
    assert errors == []


def test_key_moments_jump_to_their_entries_here_or_on_older_pages(chromium, make_site):
    def fill(blog):
        ids = fill_entries(1, is_key=True)(blog) + fill_entries(25)(blog)
        return ids + fill_entries(1, is_key=True)(blog)

    site = make_site(fill)
    page, errors = open_page(chromium, site.path)
    links = page.locator("#keylist a")
    assert links.count() == 2
    near, far = links.nth(0), links.nth(1)
    near_id = near.get_attribute("href").split("-")[1]
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    near.click()
    page.wait_for_selector(f"#entry-{near_id}.entry--target")
    page.wait_for_function(
        f"() => document.getElementById('entry-{near_id}').getBoundingClientRect().top < 700"
    )
    far_id = far.get_attribute("href").split("#entry-")[1]
    far.click()
    page.wait_for_url(f"**around={far_id}**")
    target = page.locator(f"#entry-{far_id}")
    target.wait_for()
    assert target.is_visible()
    assert (
        page.evaluate(f"document.getElementById('entry-{far_id}').getBoundingClientRect().top")
        < page.viewport_size["height"]
    )
    assert errors == []


def test_permalink_of_an_old_entry_leads_back_to_its_place(chromium, make_site):
    site = make_site(fill_entries(45))
    old_id = site.ids[4]
    page = chromium.new_context().new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.path}entries/{old_id}")
    og_url = page.locator("meta[property='og:url']").get_attribute("content")
    assert og_url.endswith(f"/entries/{old_id}")
    page.click("#in-context")
    page.wait_for_selector(f"#entry-{old_id}.entry--target", timeout=WAIT_MS)
    box = page.locator(f"#entry-{old_id}").bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]
    assert errors == []


def test_load_older_appends_the_next_page_in_place(chromium, make_site):
    site = make_site(fill_entries(45))
    page, errors = open_page(chromium, site.path)
    assert len(entry_ids(page)) == 20
    page.evaluate("window.__same = true")
    page.click("#load-more")
    page.wait_for_function("() => document.querySelectorAll('#entries .entry').length === 40")
    page.click("#load-more")
    page.wait_for_function("() => document.querySelectorAll('#entries .entry').length === 45")
    assert page.locator("#load-more").count() == 0
    assert page.evaluate("window.__same") is True
    ids = entry_ids(page)
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 45
    assert errors == []


def test_connection_indicator_through_an_outage(chromium, make_site):
    site = make_site(fill_entries(1))
    page, _ = open_page(chromium, site.path)
    assert page.inner_text("#connection") == "Connected"
    site.server.stop()
    page.wait_for_selector("#connection.connection--reconnecting", timeout=WAIT_MS)
    assert page.inner_text("#connection") == "Reconnecting…"
    assert page.is_visible("#retry")
    site.server.start()
    # No need to wait out the backoff (unless it has just reconnected by itself).
    page.evaluate("() => { const b = document.getElementById('retry'); if (!b.hidden) b.click(); }")
    page.wait_for_selector("#connection.connection--live", timeout=60_000)
    entry_id = site.post("Back online")
    page.wait_for_selector(f"#entry-{entry_id}", timeout=WAIT_MS)


def test_the_page_follows_right_behind_its_connect_and_sends_no_hello(chromium, make_site):
    site = make_site(fill_entries(1))
    page = chromium.new_context().new_page()
    page.add_init_script(RECORD_FRAMES)
    page.goto(site.path)
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    frames = page.evaluate("window.__frames")
    sent = [text for way, text in frames if way == "sent"]
    assert sent[0] == "40" and sent[1].startswith('421["follow",{'), frames
    # The follow left before the connect's answer came: one round trip, not two.
    answered = next(n for n, (way, text) in enumerate(frames) if way == "got" and text[:2] == "40")
    assert frames.index(["sent", sent[1]]) < answered
    # The follow's answer carries the reconnect window, so no `hello` is sent.
    assert not any('"hello"' in text for text in sent)
    entry_id = site.post("Straight after connecting")
    page.wait_for_selector(f"#entry-{entry_id}", timeout=WAIT_MS)


def test_since_your_last_visit(chromium, make_site):
    site = make_site(fill_entries(3))
    context = chromium.new_context()
    page = context.new_page()
    page.goto(site.path)
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    assert page.is_hidden("#since-visit")
    page.close()
    first = site.post("Missed one")
    second = site.post("Missed two")
    page = context.new_page()
    page.goto(site.path)
    page.wait_for_selector("#since-visit:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#since-visit").startswith("2 new updates since your last visit")
    assert page.locator(".entry--unread").count() == 2
    page.click("#since-visit a")
    page.wait_for_selector(f"#entry-{first}.entry--target")
    assert page.locator(f"#entry-{second}.entry--unread").count() == 1
    page.reload()
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    assert page.is_hidden("#since-visit")


def test_relative_times_follow_an_injected_clock_and_show_both_zones(chromium, make_site):
    site = make_site(fill_entries(1))
    context = chromium.new_context(timezone_id="America/New_York")
    page = context.new_page()
    published = page.request.get(f"{site.server.url}/api/v1/blogs/{site.blog.id}/entries").json()
    stamp = published["entries"][0]["published_at"]
    from datetime import datetime

    when = datetime.fromisoformat(stamp)
    page.clock.install(time=when + timedelta(minutes=5))
    page.goto(site.path)
    ago = page.locator("#entries .entry__ago").first
    ago.wait_for()
    assert ago.inner_text() == "5 minutes ago"
    # The meta line stays short; the zones are in the time's title.
    title = page.locator("#entries .entry time").first.get_attribute("title")
    assert "Europe/Madrid" in title and "your time" in title
    page.clock.fast_forward("02:00:00")
    page.wait_for_function(
        "() => document.querySelector('#entries .entry__ago').textContent.startsWith('2 hours ago')"
    )


def test_readers_following_are_counted_live(chromium, make_site):
    site = make_site(fill_entries(1))
    first, _ = open_page(chromium, site.path)
    first.wait_for_selector("#readers:text('1 reader')", timeout=WAIT_MS)
    second, _ = open_page(chromium, site.path)
    first.wait_for_selector("#readers:text('2 readers')", timeout=WAIT_MS)
    second.wait_for_selector("#readers:text('2 readers')", timeout=WAIT_MS)
    second.context.close()
    first.wait_for_selector("#readers:text('1 reader')", timeout=WAIT_MS)


class _HostPage(BaseHTTPRequestHandler):
    """Another site's page that embeds the live blog."""

    html = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args):
        pass


@pytest.fixture
def host_site():
    """A second origin (localhost on another port) to embed from."""
    port = _free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _HostPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    httpd.shutdown()
    httpd.server_close()


def test_embed_keeps_updating_inside_another_origins_page(chromium, make_site, host_site):
    site = make_site(fill_entries(2))
    src = f"{site.server.url}/embed/{site.blog.event.slug}/{site.blog.slug}"
    _HostPage.html = (
        "<!doctype html><title>Host</title><h1>A news site</h1>"
        f'<iframe src="{src}" data-showfloor-embed style="width:100%;border:0;height:200px">'
        "</iframe>"
        f'<script src="{site.server.url}/static/js/embed.js"></script>'
    ).encode()
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(host_site + "/")
    frame = page.frame_locator("iframe[data-showfloor-embed]")
    frame.locator("#connection.connection--live").wait_for(timeout=WAIT_MS)
    assert frame.locator("#entries .entry").count() == 2
    entry_id = site.post("Seen on another site")
    frame.locator(f"#entry-{entry_id}").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe'), h = f.dataset.showfloorHeight;"
        " return +h > 200 && f.style.height === h + 'px'; }",
        timeout=WAIT_MS,
    )
    # A message from anything but the iframe itself (here the host page) is ignored.
    height = page.get_attribute("iframe", "data-showfloor-height")
    page.evaluate(
        "() => new Promise(done => { addEventListener('message', () => setTimeout(done), "
        "{ once: true }); postMessage({ type: 'showfloor:height', height: 4321 }, '*'); })"
    )
    assert page.get_attribute("iframe", "data-showfloor-height") == height
    assert errors == []


def test_tombstones_replayed_after_an_outage_remove_and_update_in_place(chromium, make_site):
    site = make_site(fill_entries(30))
    page, errors = open_page(chromium, site.path)
    page.evaluate("window.scrollTo(0, 1000)")
    page.wait_for_function("() => window.scrollY >= 1000")
    newest, retracted = site.ids[-1], site.ids[-2]
    site.server.stop()
    page.wait_for_selector("#connection.connection--reconnecting", timeout=WAIT_MS)
    # While the page is away: a key mark the edit then supersedes, and a retraction.
    editor = _editor()
    actions.mark_key_entry(editor, newest, True)
    actions.edit_entry(editor, newest, 1, actions.EntryInput(source="Corrected", is_key=True))
    actions.retract_entry(editor, retracted)
    db.session.remove()
    site.server.start()
    page.evaluate("() => { const b = document.getElementById('retry'); if (!b.hidden) b.click(); }")
    page.wait_for_selector(f"#entry-{retracted}", state="detached", timeout=60_000)
    # The superseded key mark left the entry where it was; the edit updated it in place.
    page.wait_for_selector(f"#entries #entry-{newest}[data-version='2']", state="attached")
    assert "Corrected" in page.inner_text(f"#entry-{newest}")
    assert page.is_hidden("#newbar")
    # The outage itself logs refused connections; nothing else may go wrong.
    assert [e for e in errors if "ERR_CONNECTION_REFUSED" not in e] == []
