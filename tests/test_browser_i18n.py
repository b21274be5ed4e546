"""A Spanish reader in Chromium: an English event's live entry arrives in Spanish words and time."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from browser_support import WAIT_MS, Server

from blog import actions
from blog.models import Role
from blog.platform import db

pytestmark = pytest.mark.browser


@pytest.fixture
def english_event_site(app, database_url, make_blog, make_user):
    """A live blog of an event in English, a co-author on its staff, an editor's token, a server."""
    blog = make_blog()
    ana = make_user(Role.REPORTER, events=[blog.event], email="ana@example.test")
    editor = make_user(Role.EDITOR, email="chief@example.test")
    token = actions.create_api_token(editor, "browser")
    site = {
        "path": f"/e/{blog.event.slug}/{blog.slug}/",
        "blog_id": blog.id,
        "token": token,
        "names": (editor.name, ana.name),
        "ana": ana.id,
    }
    db.session.remove()
    server = Server(database_url)
    server.start()
    yield server, site
    server.stop()


def _post(server, site, source: str) -> int:
    body = {
        "source": source,
        "idempotency_key": uuid.uuid4().hex,
        "is_key": True,
        "coauthor_ids": [site["ana"]],
    }
    request = urllib.request.Request(
        f"{server.url}/api/v1/blogs/{site['blog_id']}/entries",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {site['token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


def _server_time(server, site, entry_id: int) -> str:
    """The entry's time as the server writes it for a Spanish reader (no script involved)."""
    request = urllib.request.Request(
        server.url + site["path"], headers={"Accept-Language": "es-ES,es;q=0.9"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        html = response.read().decode()
    article = html[html.index(f'id="entry-{entry_id}"') :]
    return re.search(r'<time [^>]*data-when="auto">([^<]*)</time>', article).group(1)


def test_a_spanish_reader_gets_a_live_entry_in_spanish(chromium, english_event_site):
    server, site = english_event_site
    context = chromium.new_context(
        locale="es-ES",
        extra_http_headers={"Accept-Language": "es-ES"},
        timezone_id="America/Mexico_City",  # not the venue's: the title adds the reader's time
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + site["path"])
    assert page.get_attribute("html", "lang") == "es"
    page.wait_for_selector("#connection.connection--live", timeout=WAIT_MS)

    entry_id = _post(server, site, "La ministra llega al pabellón.")
    entry = page.locator(f"#entry-{entry_id}")
    entry.wait_for(timeout=WAIT_MS)

    # The event's English entry, relabelled in the page's Spanish as it was inserted.
    assert entry.locator(".badge--key").inner_text() == "Momento clave"
    assert entry.locator(".entry__share").inner_text().startswith("Compartir")
    author, coauthor = site["names"]
    assert entry.locator(".entry__byline").inner_text() == f"{author} y {coauthor}"
    # Spanish writes a 24-hour clock; the script's time is the server's for the same page.
    shown = entry.locator(".entry__time time").inner_text()
    assert re.fullmatch(r"\d{1,2}:\d{2}", shown)
    assert shown == _server_time(server, site, entry_id)
    assert entry.locator(".entry__time time").get_attribute("title").endswith(" en tu hora")
    assert page.inner_text("#keys summary h2") == "Momentos clave"
    assert errors == []
    context.close()
