"""Click-to-load players and key-moment alerts in Chromium, against one real server per module.

Third-party hosts are routed to a local answer, so no test needs the internet
and every request the page makes is in Playwright's log.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import uuid
from datetime import date
from urllib.parse import urlsplit

import pytest
from browser_support import WAIT_MS, Server
from conftest import BACKEND, _truncate_all, dispose_app, make_test_app
from playwright.sync_api import expect

from blog import actions
from blog.models import BlogStatus, Role
from blog.platform import db

pytestmark = pytest.mark.browser

CARDS = {
    "youtube": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "x": "https://x.com/mwc/status/1766123456789",
    "bluesky": "https://bsky.app/profile/showfloor.bsky.social/post/3kq2abcdefg2x",
}
PLAYER = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
# Records every Notification the page makes, instead of showing it; permission stays the browser's.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__alerts = [];
  function Recorder(title, options) {
    window.__alerts.push({ title, body: options && options.body });
  }
  Recorder.prototype.close = function () {};
  Recorder.requestPermission = (...args) => Real.requestPermission(...args);
  Object.defineProperty(Recorder, "permission", { get: () => Real.permission });
  window.Notification = Recorder;
  // The tab's visibility, as the test sets it: headless tabs are always "visible".
  window.__hidden = false;
  Object.defineProperty(document, "visibilityState", {
    configurable: true, get: () => (window.__hidden ? "hidden" : "visible"),
  });
})();
"""


class Site:
    """The served blogs and an editor's token to post through the server process."""

    def __init__(self, server: Server, event_slug: str, blogs: dict, token: str):
        self.server, self.event_slug, self.blogs, self.token = server, event_slug, blogs, token

    def url(self, name: str) -> str:
        return f"{self.server.url}/e/{self.event_slug}/{name}/"

    def post(self, name: str, source: str, **fields) -> int:
        body = {"source": source, "idempotency_key": uuid.uuid4().hex, **fields}
        request = urllib.request.Request(
            f"{self.server.url}/api/v1/blogs/{self.blogs[name]}/entries",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["id"]


def _database(migrated_template, tmp_path_factory) -> str:
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        return migrated_template
    path = tmp_path_factory.mktemp("embeds") / "embeds.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def _seed(url: str, instance) -> tuple[dict, str]:
    """A live blog of link cards and a live blog for alerts; an editor's API token."""
    app = make_test_app(url, instance)
    try:
        with app.app_context():
            editor = actions.create_user("ed@example.test", "Ed", "a long password 1", Role.EDITOR)
            event = actions.create_event("mfc", "MFC", date(2027, 3, 1), date(2027, 3, 4), "UTC")
            blogs = {}
            for slug in ("cards", "alerts"):
                blog = actions.create_blog(event, slug, f"The {slug} blog")
                actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
                blogs[slug] = blog.id
            for url_ in CARDS.values():
                data = actions.EntryInput(kind="embed", embed_url=url_, embed_title="A card")
                actions.post_entry(editor, blogs["cards"], data, uuid.uuid4().hex)
            token = actions.create_api_token(editor, "browser")
            db.session.remove()
    finally:
        dispose_app(app)
    return blogs, token


@pytest.fixture(scope="module")
def site(migrated_template, tmp_path_factory):
    """Both blogs, served by one `python app.py` for the whole module."""
    url = _database(migrated_template, tmp_path_factory)
    blogs, token = _seed(url, tmp_path_factory.mktemp("embeds-instance"))
    server = Server(url)
    server.start()
    yield Site(server, "mfc", blogs, token)
    server.stop()


def third_party(url: str, server: Server) -> bool:
    return not url.startswith(server.url) and not url.startswith(("data:", "about:"))


def open_page(chromium, site: Site, blog: str, **context_args):
    """A live page whose requests are logged and whose script errors and CSP reports are kept."""
    context = chromium.new_context(**context_args)
    requests, errors = [], []
    # Anything not ours is answered here: the test needs no internet, and nothing leaks.
    context.route(
        lambda url: third_party(url, site.server),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>player</p>"),
    )
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP ' + e.violatedDirective))"
    )
    page.add_init_script(RECORD_NOTIFICATIONS)
    page.goto(site.url(blog))
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return context, page, requests, errors


def test_a_player_loads_only_on_the_readers_click(chromium, site):
    context, page, requests, errors = open_page(chromium, site, "cards")
    assert page.locator(".embed__load button").count() == 2  # YouTube and X; Bluesky by handle not
    assert page.locator("iframe").count() == 0
    assert [u for u in requests if third_party(u, site.server)] == []
    youtube = page.locator('[data-embed-provider="YouTube"]')
    youtube.get_by_role("button", name="Load video").click()
    frame = youtube.locator("iframe")
    expect(frame).to_have_attribute("src", PLAYER)
    expect(frame).to_have_attribute("referrerpolicy", "strict-origin")
    sandbox = frame.get_attribute("sandbox").split()
    assert "allow-scripts" in sandbox and "allow-top-navigation" not in sandbox
    expect(page.frame_locator(f'iframe[src="{PLAYER}"]').locator("p")).to_have_text("player")
    # The one third-party request is the player the reader asked for; the X card is untouched.
    assert {urlsplit(u).hostname for u in requests if third_party(u, site.server)} == {
        "www.youtube-nocookie.com"
    }
    assert page.locator('[data-embed-provider="X"] iframe').count() == 0
    assert errors == []
    context.close()


def test_key_moments_alert_a_background_tab_after_permission(chromium, site):
    context, page, _, errors = open_page(chromium, site, "alerts", permissions=["notifications"])
    button = page.locator("#notify")
    expect(button).to_have_text("Alert me to key moments")
    button.click()
    expect(button).to_have_text("Stop key-moment alerts")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.evaluate("window.__hidden = true")
    site.post("alerts", "Coffee is served.")
    key = site.post("alerts", "The CEO announces the fold.", is_key=True)
    page.wait_for_function("window.__alerts.length > 0", timeout=WAIT_MS)
    page.wait_for_selector(f"#entry-{key}", state="attached", timeout=WAIT_MS)
    alerts = page.evaluate("window.__alerts")
    expected = {"title": "Key moment: The alerts blog", "body": "The CEO announces the fold."}
    assert alerts == [expected]
    # A reader looking at the page gets no alert: it is on the screen already.
    page.evaluate("window.__hidden = false")
    seen = site.post("alerts", "Second key moment.", is_key=True)
    page.wait_for_selector(f"#entry-{seen}", state="attached", timeout=WAIT_MS)
    assert page.evaluate("window.__alerts.length") == 1
    assert errors == []
    context.close()


def test_no_alert_without_permission(chromium, site):
    context, page, _, errors = open_page(chromium, site, "alerts")
    button = page.locator("#notify")
    button.click()
    # Headless Chromium refuses a prompt nobody granted: the button goes, nothing is shown.
    expect(button).to_be_hidden()
    assert page.evaluate("Notification.permission") == "denied"
    page.evaluate("window.__hidden = true")
    key = site.post("alerts", "A key moment nobody is alerted to.", is_key=True)
    page.wait_for_selector(f"#entry-{key}", state="attached", timeout=WAIT_MS)
    assert page.evaluate("window.__alerts") == []
    assert errors == []
    context.close()
