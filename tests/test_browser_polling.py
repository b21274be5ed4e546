"""Where websockets are blocked, the blog page and the hub follow over HTTP, then return."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from browser_support import WAIT_MS, Server

from blog import actions
from blog.models import Role
from blog.platform import db

pytestmark = pytest.mark.browser
POLLING = "Live (updates every few seconds)"
# Longer than sio.js's longest wait between socket attempts (30 s plus 0.5 s).
PAST_THE_LONGEST_RETRY_MS = 31_000


class SocketGate:
    """The page's websockets, refused as a blocking proxy does, or passed through and recorded."""

    def __init__(self, page):
        self.blocked = True
        self.refused = 0
        self.received: list[str] = []
        page.route_web_socket("**/socket.io/**", self.route)

    def route(self, ws) -> None:
        if self.blocked:
            self.refused += 1
            ws.close()
            return
        server = ws.connect_to_server()
        ws.on_message(server.send)
        server.on_message(lambda message: (self.received.append(str(message)), ws.send(message)))


def watched_page(chromium):
    """A page with the injected clock, failing on script errors, console errors and CSP."""
    page = chromium.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP ' + e.violatedDirective))"
    )
    page.clock.install()
    return page, errors


def post(server, blog_id: int, token: str, source: str, **fields) -> int:
    """Publish through the server process's API, as a reporter does."""
    body = {"source": source, "idempotency_key": uuid.uuid4().hex, **fields}
    request = urllib.request.Request(
        f"{server.url}/api/v1/blogs/{blog_id}/entries",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


@pytest.fixture
def served(app, database_url, make_event, make_blog, make_entry, make_user):
    """A live blog with one entry, an editor's API token and a real server process."""
    event = make_event(name="Frontier Expo")
    blog = make_blog(event)
    make_entry(blog, source="Doors open.")
    token = actions.create_api_token(make_user(Role.EDITOR), "polling")
    paths = {"blog": f"/e/{event.slug}/{blog.slug}/", "hub": f"/e/{event.slug}/"}
    blog_id = blog.id
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, blog_id, token, paths
    server.stop()


def back_on_the_socket(page, gate: SocketGate) -> None:
    """Unblock websockets and let the page's next periodic socket attempt come due."""
    gate.blocked = False
    page.clock.fast_forward(PAST_THE_LONGEST_RETRY_MS)
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)
    assert page.inner_text("#connection") == "Connected"


def test_blog_page_polls_the_cursor_while_websockets_are_blocked(chromium, served):
    server, blog_id, token, paths = served
    page, errors = watched_page(chromium)
    gate = SocketGate(page)
    page.goto(server.url + paths["blog"])
    page.wait_for_selector("#connection.connection--polling", timeout=WAIT_MS)
    assert page.inner_text("#connection") == POLLING
    assert page.is_hidden("#retry") and gate.refused >= 2

    entry_id = post(server, blog_id, token, "Keynote *starts*.")
    page.wait_for_selector(f"#entry-{entry_id} em:text('starts')", timeout=WAIT_MS)
    assert page.inner_text("#connection") == POLLING
    assert gate.received == []

    back_on_the_socket(page, gate)
    second = post(server, blog_id, token, "Over the socket again.")
    page.wait_for_selector(f"#entry-{second}", timeout=WAIT_MS)
    pushed = [f for f in gate.received if "entry_published" in f and f'"entry_id":{second}' in f]
    assert pushed, "the entry came over the socket"
    assert page.locator(f"#entry-{entry_id}").count() == 1  # applied once, not again on replay
    assert errors == []


def test_hub_polls_the_event_cursor_while_websockets_are_blocked(chromium, served):
    server, blog_id, token, paths = served
    page, errors = watched_page(chromium)
    gate = SocketGate(page)
    page.goto(server.url + paths["hub"])
    page.wait_for_selector("#connection.connection--polling", timeout=WAIT_MS)
    assert page.inner_text("#connection") == POLLING

    entry_id = post(server, blog_id, token, "Satellites", headline="Big reveal", is_key=True)
    page.wait_for_selector(f"#hub-keys li[data-entry-id='{entry_id}']", timeout=WAIT_MS)
    assert gate.received == []

    back_on_the_socket(page, gate)
    assert errors == []
