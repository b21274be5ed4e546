"""Taps, swipes and seconds from opening the desk to a published quote with a speaker, on a phone.

    .venv/bin/python bench/composer_taps.py                       # this checkout
    .venv/bin/python bench/composer_taps.py --checkout /tmp/old   # another one, same driver

Headless Chromium at 360×740 (touch, mobile), logged in as a reporter of a live blog whose
roster has one speaker. From /desk/ it taps Write, types the quotation, picks the Quote kind,
finds the speaker by typing and taps Publish, then waits for the server's 201. A tap is a click,
or a fill into a field that did not already have the focus; a swipe is an action whose target
was not wholly on screen (Playwright scrolls it into view, a person swipes). Seconds are wall
time of the run, machine time only: nobody's reading or typing speed is simulated.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"
QUOTE = "Networks that heal themselves are the only ones that scale."
SEED = """
import sys
from datetime import date
from blog import actions, create_app
from blog.models import BlogStatus, Role
from blog.platform.migrate import upgrade
url = sys.argv[1]
upgrade(url)
app = create_app({"DATABASE_URL": url, "ASYNC_MODE": "threading", "SECRET_KEY": "bench",
                  "SCHEDULER_INTERVAL": None})
with app.app_context():
    event = actions.create_event("mfc", "Mobile Frontier", date(2027, 3, 1), date(2027, 3, 4),
                                 "Europe/Madrid")
    editor = actions.create_user("ed@example.test", "Edie Tor", sys.argv[2], Role.EDITOR)
    blog = actions.create_blog(event, "keynote", "Opening keynote")
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    rep = actions.create_user("rep@example.test", "Rita Porter", sys.argv[2], Role.REPORTER)
    actions.assign_user(rep, event)
    actions.add_speaker(event, "Inés Valbuena", "Chief Executive", "Aurora Devices")
"""


class Counter:
    """Counts taps and swipes of the actions it performs on a page."""

    def __init__(self, page):
        self.page = page
        self.taps = 0
        self.swipes = 0

    def _reach(self, locator) -> None:
        box = locator.bounding_box()
        view = self.page.viewport_size
        inside = box and box["y"] >= 0 and box["y"] + box["height"] <= view["height"]
        self.swipes += 0 if inside else 1

    def click(self, locator) -> None:
        """Tap the element."""
        self._reach(locator)
        locator.click()
        self.taps += 1

    def check(self, locator) -> None:
        """Tap a radio or a checkbox."""
        self._reach(locator)
        locator.check()
        self.taps += 1

    def fill(self, locator, text: str) -> None:
        """Type into a field: a tap first unless the field has the focus already."""
        focused = locator.evaluate("e => e === document.activeElement")
        if not focused:
            self._reach(locator)
            self.taps += 1
        locator.fill(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(checkout: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    """Seed a fresh SQLite database with the checkout's own code and serve it; return the URL."""
    url = f"sqlite:///{workdir / 'bench.db'}"
    subprocess.run([sys.executable, "-c", SEED, url, PASSWORD], cwd=checkout, check=True)
    port = _free_port()
    env = {
        **os.environ,
        "SHOWFLOOR_DATABASE_URL": url,
        "SHOWFLOOR_PORT": str(port),
        "SHOWFLOOR_ASYNC_MODE": "gevent",
        "SHOWFLOOR_SECRET_KEY": "bench-secret",
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=checkout, env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.05)  # polling for readiness
    proc.kill()
    raise SystemExit("the server did not start in 30 s")


def publish_a_quote(browser, base: str) -> dict:
    """Drive the desk from /desk/ to a published quote; return taps, swipes and seconds."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", "rep@example.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/desk/")
    count = Counter(page)
    started = time.perf_counter()
    page.goto(base + "/desk/")
    count.click(page.get_by_role("link", name="Write"))
    page.wait_for_selector("#composer")
    publish = page.locator("#composer button[value=publish]")
    # Where Publish sits on the page as it opens: below 740 px it takes swipes to reach.
    publish_y = publish.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    count.fill(page.locator("textarea[name=source]"), QUOTE)
    count.check(page.locator("input[name=kind][value=quote]"))
    count.fill(page.locator(".speaker-search"), "valbuena")
    with page.expect_response(lambda r: r.url.endswith("/entries") and r.status == 201):
        count.click(publish)
    seconds = time.perf_counter() - started
    context.close()
    return {
        "taps": count.taps,
        "swipes": count.swipes,
        "seconds": round(seconds, 2),
        "publish_button_y_px": round(publish_y),
    }


def main(argv: list[str]) -> None:
    """Run the drive a few times against one checkout and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    chromium = os.environ.get("SHOWFLOOR_CHROMIUM", "/usr/bin/chromium")
    parser.add_argument("--chromium", default=chromium)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    runs = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        proc, base = start_server(args.checkout.resolve(), Path(tmp))
        try:
            browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            runs = [publish_a_quote(browser, base) for _ in range(args.runs)]
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    seconds = sorted(r["seconds"] for r in runs)
    first = {k: v for k, v in runs[0].items() if k != "seconds"}
    summary = {**first, "seconds_median": seconds[len(seconds) // 2], "runs": runs}
    print(json.dumps({"checkout": str(args.checkout), **summary}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
