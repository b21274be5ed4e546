"""End to end in headless Chromium: a reporter publishes, an open reader page updates live."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import PASSWORD, REQUIRE_SERVICES

from blog import actions, db
from blog.models import BlogStatus, Role

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SHOWFLOOR_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 15_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright; skipped (failed under CI) without it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        pytest.fail(message) if REQUIRE_SERVICES else pytest.skip(message)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python app.py` in a subprocess, as a person runs it."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SHOWFLOOR_DATABASE_URL": database_url,
            "SHOWFLOOR_PORT": str(self.port),
            "SHOWFLOOR_ASYNC_MODE": "gevent",
            "SHOWFLOOR_SECRET_KEY": "browser-test-secret",
        }
        self.proc = None

    def start(self) -> None:
        """Start the process and wait until it answers HTTP."""
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited during startup"
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)  # polling for readiness, not standing in for an event
        raise AssertionError("server did not start in 30 s")

    def stop(self) -> None:
        """Stop the process."""
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def site(app, database_url, make_blog, make_user, make_entry):
    """A live blog with one entry and a reporter, served by a real server process."""
    blog = make_blog()
    make_entry(blog, source="Doors are open.")
    reporter = make_user(Role.REPORTER, events=[blog.event], email="rep@example.test")
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog, reporter
    server.stop()


def _reader_page(chromium, server, blog):
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    return page, errors


def _publish(chromium, server, blog, reporter, text):
    page = chromium.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", reporter.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/desk/blogs/{blog.id}")
    page.fill("textarea[name=source]", text)
    page.click("#composer button[type=submit]")
    page.wait_for_url(f"{server.url}/desk/blogs/{blog.id}")
    page.close()


def test_reader_sees_a_new_entry_without_reload(chromium, site):
    server, blog, reporter = site
    reader, errors = _reader_page(chromium, server, blog)
    reader.evaluate("window.__notReloaded = true")
    _publish(chromium, server, blog, reporter, "Keynote starts **now**")
    reader.wait_for_selector("#entries .entry strong:text('now')", timeout=WAIT_MS)
    first = reader.locator("#entries .entry").first
    assert "Keynote starts" in first.inner_text()
    assert reader.evaluate("window.__notReloaded") is True
    assert errors == []


def test_reader_catches_up_after_the_server_restarts(chromium, site, app, editor):
    server, blog, reporter = site
    reader, errors = _reader_page(chromium, server, blog)
    server.stop()
    reader.wait_for_selector("#connection.connection--reconnecting", timeout=WAIT_MS)
    # Written while no server runs: only the change stream can bring it to the page.
    entry, _ = actions.post_entry(
        editor, blog.id, actions.EntryInput(source="Posted during the outage"), "outage-0001"
    )
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    db.session.remove()
    server.start()
    reader.wait_for_selector(f"#entry-{entry.id}", timeout=60_000)
    reader.wait_for_selector("#blog-status.badge--ended", timeout=WAIT_MS)
    assert reader.locator(f"#entry-{entry.id}").count() == 1
    assert [e for e in errors if "WebSocket" not in e and "ERR_CONNECTION" not in e] == []


def test_page_works_without_javascript(chromium, site):
    server, blog, _ = site
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/e/{blog.event.slug}/{blog.slug}/")
    assert "Doors are open." in page.locator("#entries").inner_text()
    context.close()
