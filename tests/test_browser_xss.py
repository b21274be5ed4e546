"""The XSS corpus in headless Chromium: blog page, permalinks, live updates, embed and hub.

Each page gets window.alert/confirm/prompt/print hooked, a CSP violation
recorder and a console-error collector before any of its scripts run; nothing
may fire, and the content as the browser parsed it must pass the allowlist.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from pathlib import Path

import pytest
from browser_support import WAIT_MS, Server, log_in
from xss import VECTORS
from xss.audit import DISGUISE

from blog import actions
from blog.content.rendering import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS
from blog.platform import db

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent / "xss"
HOOKS = (HERE / "hooks.js").read_text()
DOM_AUDIT = (HERE / "dom_audit.js").read_text()
# Where writers' text lands (hub features hold whole entries, so their .entry__body).
CONTENT = ".entry__body, .entry__headline, #hub-summary-body, .curate__preview"
AUDIT_ARGS = {
    "selectors": CONTENT,
    "tags": sorted(ALLOWED_TAGS),
    "attributes": {tag: list(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    "protocols": [f"{p}:" for p in ALLOWED_PROTOCOLS],
    "disguise": DISGUISE.pattern,
}


def corpus_chunks(max_chars: int = 600, most: int = 8) -> list[str]:
    """The corpus packed into few sources, each opened by a marker no vector can swallow.

    Small chunks keep each under the renderer's in-process cost limit and the
    whole corpus under the per-account posting limit.
    """
    chunks, current = [], []
    for source in VECTORS.values():
        if current and (len(current) == most or sum(map(len, current)) + len(source) > max_chars):
            chunks.append(current)
            current = []
        current.append(source)
    chunks.append(current)
    return [f"xss-chunk-{n}\n\n" + "\n\n".join(c) for n, c in enumerate(chunks)]


class Watched:
    """A page whose dialogs, CSP violations and console errors are all recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.dialogs, self.errors = [], []
        self.page.add_init_script(HOOKS)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        url = message.location.get("url") or ""
        # The embed page names no icon, so the browser asks for /favicon.ico: not ours to judge.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"{message.text} at {url}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str, live: bool = True) -> Watched:
        """Load url; wait for its live connection when it has one."""
        self.page.goto(url)
        if live:
            self.page.wait_for_selector("#connection.connection--live", state="attached")
        return self

    def assert_clean(self) -> None:
        """Nothing fired, nothing was blocked, nothing failed, and the DOM passes the audit."""
        fired = self.page.evaluate("window.__xss")
        problems = self.page.evaluate(DOM_AUDIT, AUDIT_ARGS)
        assert (fired, self.dialogs, self.errors, problems) == ([], [], [], [])


class Api:
    """Writes through the server process's JSON API, so it pushes to the open pages."""

    def __init__(self, server: Server, token: str):
        self.server, self.token = server, token

    def send(self, method: str, path: str, body: dict) -> dict:
        """Send one JSON request; return the JSON answer."""
        request = urllib.request.Request(
            self.server.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def post(self, blog_id: int, source: str, headline: str = "", is_key: bool = False) -> int:
        """Publish an entry; return its id."""
        body = {"source": source, "headline": headline, "is_key": is_key}
        body["idempotency_key"] = uuid.uuid4().hex
        return self.send("POST", f"/api/v1/blogs/{blog_id}/entries", body)["id"]


@pytest.fixture
def site(app, database_url, make_event, make_blog, editor):
    """An event with a blog holding the corpus, an empty live blog, and the server."""
    event = make_event()
    seeded, live = make_blog(event), make_blog(event)
    for source in corpus_chunks():
        data = actions.EntryInput(source=source, headline=_headline(source))
        actions.post_entry(editor, seeded.id, data, uuid.uuid4().hex)
    token = actions.create_api_token(editor, "xss")
    urls = {
        "hub": f"/e/{event.slug}/",
        "seeded": f"/e/{event.slug}/{seeded.slug}/",
        "live": f"/e/{event.slug}/{live.slug}/",
        "embed": f"/embed/{event.slug}/{live.slug}",
    }
    ids = {"event": event.id, "seeded": seeded.id, "live": live.id}
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield {"server": server, "api": Api(server, token), "urls": urls, "ids": ids}
    server.stop()


def test_the_corpus_on_the_blog_page_older_pages_and_permalinks_runs_nothing(chromium, site):
    url = site["server"].url
    watched = Watched(chromium.new_context()).open(url + site["urls"]["seeded"])
    page = watched.page
    # "Load older" inserts each next page through the script's own HTML path.
    while page.locator("#load-more").count():
        shown = page.locator("#entries .entry").count()
        page.click("#load-more")
        page.wait_for_function(
            f"() => document.querySelectorAll('#entries .entry').length > {shown}"
        )
    assert page.locator("#entries .entry").count() == len(corpus_chunks())
    watched.assert_clean()
    hrefs = page.eval_on_selector_all("#entries .entry__time", "els => els.map(e => e.href)")
    for href in hrefs[::4]:
        Watched(page.context).open(href, live=False).assert_clean()


def test_the_corpus_published_live_and_edited_in_runs_nothing(chromium, site):
    url, api, blog_id = site["server"].url, site["api"], site["ids"]["live"]
    context = chromium.new_context()
    pages = [Watched(context).open(url + site["urls"][name]) for name in ("live", "embed")]
    chunks = corpus_chunks()
    ids = [api.post(blog_id, source, _headline(source)) for source in chunks[1:]]
    for watched in pages:
        watched.page.wait_for_selector(f"#entry-{ids[-1]}", timeout=WAIT_MS)
    api.send("PATCH", f"/api/v1/entries/{ids[0]}", {"source": chunks[0], "base_version": 1})
    for watched in pages:
        watched.page.wait_for_selector(f"#entry-{ids[0]}[data-version='2']", timeout=WAIT_MS)
        assert watched.page.locator(f"#entry-{ids[0]}").inner_text().count("xss-chunk-0") == 1
        watched.assert_clean()
    assert pages[0].page.locator("#entries .entry").count() == len(chunks) - 1


def _headline(source: str) -> str:
    """A vector as the headline too (shown escaped on the page, the hub and in titles)."""
    return re.sub(r"\s+", " ", source.split("\n\n", 1)[1])[:200]


def test_the_corpus_on_the_hub_as_features_key_moments_and_summary(chromium, site, editor):
    url, api, event_id = site["server"].url, site["api"], site["ids"]["event"]
    hub = Watched(chromium.new_context()).open(url + site["urls"]["hub"])
    desk = chromium.new_context().new_page()
    log_in(desk, site["server"], editor)
    curate = f"{url}/curate/events/{event_id}"
    desk.goto(curate + "/")
    token = desk.get_attribute("#summary-form input[name=csrf_token]", "value")
    chunks = corpus_chunks()
    # The first dozen as key entries featured on the hub, the rest as its summary, all live.
    for source in chunks[:FEATURED]:
        entry_id = api.post(site["ids"]["live"], source, _headline(source), is_key=True)
        _submit(desk, f"{curate}/features", {"csrf_token": token, "entry_id": entry_id})
    for source in chunks[FEATURED:]:
        _submit(desk, f"{curate}/summary", {"csrf_token": token, "summary": source})
    hub.page.wait_for_function(
        "() => document.getElementById('hub-summary-body').textContent"
        f".includes('{LAST_MARKER}')"
        f" && document.querySelectorAll('#hub-features .feature').length === {FEATURED}",
        timeout=WAIT_MS,
    )
    hub.assert_clean()
    hub.open(url + site["urls"]["hub"]).assert_clean()
    Watched(desk.context).open(curate + "/", live=False).assert_clean()


FEATURED = 12
LAST_MARKER = f"xss-chunk-{len(corpus_chunks()) - 1}"


def _submit(desk, url: str, form: dict) -> None:
    """Post a desk form with the logged-in session; it answers with a redirect when it took."""
    answer = desk.request.post(url, form=form, max_redirects=0)
    assert answer.status in (302, 303), answer.text()
