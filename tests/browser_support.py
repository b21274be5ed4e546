"""Headless Chromium and real server processes, shared by the browser tests."""

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

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SHOWFLOOR_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 15_000


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
            # A stop drains: pages move within a second, the process exits within three.
            "SHOWFLOOR_DRAIN_S": "3",
            "SHOWFLOOR_RECONNECT_WINDOW_S": "1",
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
        """Stop the process: SIGTERM drains it; one still running well past its bound is killed.

        tests/test_drain.py holds the drain to its bound; here a loaded machine
        only must not turn a slow teardown into an error of the next test.
        """
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def log_in(page, server, user, password: str = PASSWORD) -> None:
    """Log a user in through the real login form."""
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/desk/")


def log_in_again(page, server, user) -> None:
    """Log in from another tab, as a reporter asked to does, then return to page."""
    login_tab = page.context.new_page()
    log_in(login_tab, server, user)
    login_tab.close()
    page.bring_to_front()
    # Headless tabs get no focus event of their own; the desk resumes on focus.
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")


# Records, in the page's own order, every websocket frame it sends and gets.
RECORD_FRAMES = """
const PageSocket = window.WebSocket;
window.__frames = [];
window.WebSocket = function (url, protocols) {
  const ws = new PageSocket(url, protocols);
  const send = ws.send.bind(ws);
  ws.send = (data) => { window.__frames.push(["sent", String(data)]); send(data); };
  ws.addEventListener("message", (e) => window.__frames.push(["got", String(e.data)]));
  return ws;
};
"""
