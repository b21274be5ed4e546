"""Anonymous readers' hub and blog pages answered in front of Flask (platform/page_cache.py)."""

from __future__ import annotations

import pytest
from conftest import login, statements_run
from limits_support import clock_fixture  # noqa: F401

from blog import actions
from blog.platform import page_cache
from blog.platform.config import page_cache_window
from blog.platform.metrics import REGISTRY

COMPARED_HEADERS = ("ETag", "Cache-Control", "Vary", "Content-Security-Policy", "X-Frame-Options")


@pytest.fixture
def pages(make_event, make_blog, editor):
    """An event with a featured live blog: (hub path, blog path, blog)."""
    event = make_event(name="Frontier Expo")
    blog = make_blog(event)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id, lead=True)
    return f"/e/{event.slug}/", f"/e/{event.slug}/{blog.slug}/", blog


def fetch(app, client, path: str, etag: str | None = None):
    """GET path (revalidating etag if given): the response and the SQL statements it ran."""
    got = []
    headers = {"If-None-Match": etag} if etag else {}
    count = statements_run(app, lambda: got.append(client.get(path, headers=headers)))
    return got[0], count


def from_flask(app, client, path: str, etag: str | None = None):
    """The same request answered by Flask itself, the cache switched off for it."""
    window = app.config["PAGE_CACHE_WINDOW_S"]
    app.config["PAGE_CACHE_WINDOW_S"] = 0
    try:
        return client.get(path, headers={"If-None-Match": etag} if etag else {})
    finally:
        app.config["PAGE_CACHE_WINDOW_S"] = window


def requests_counted(endpoint: str, status: str) -> float:
    """How many requests the latency histogram counted for endpoint and status."""
    labels = {"endpoint": endpoint, "method": "GET", "status": status}
    return REGISTRY.get_sample_value("showfloor_request_duration_seconds_count", labels) or 0


@pytest.mark.parametrize("which", [0, 1], ids=["hub", "blog"])
def test_in_the_window_a_page_and_its_304_come_from_memory(app, client, pages, clock, which):
    path = pages[which]
    endpoint = "readers.hub" if which == 0 else "readers.blog_page"
    first = client.get(path)
    counted = requests_counted(endpoint, "304"), requests_counted(endpoint, "200")
    again, statements = fetch(app, client, path)
    assert statements == 0 and again.status_code == 200 and again.data == first.data
    assert list(again.headers.items()) == list(first.headers.items())
    revalidated, statements = fetch(app, client, path, first.headers["ETag"])
    assert statements == 0 and revalidated.status_code == 304 and revalidated.data == b""
    flask_304 = from_flask(app, client, path, first.headers["ETag"])
    for header in COMPARED_HEADERS:
        assert revalidated.headers[header] == flask_304.headers[header]
    assert "Content-Length" not in revalidated.headers
    # Still counted as the page's requests in /metrics.
    assert requests_counted(endpoint, "304") == counted[0] + 2  # memory's and Flask's
    assert requests_counted(endpoint, "200") == counted[1] + 1


@pytest.mark.parametrize("which", [0, 1], ids=["hub", "blog"])
def test_each_language_is_remembered_apart(app, client, pages, clock, which):
    path = pages[which]
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    first_es = client.get(path, headers=spanish)
    first_en = client.get(path, headers={"Accept-Language": "en"})
    assert '<html lang="es">' in first_es.text and '<html lang="en">' in first_en.text
    assert first_es.headers["ETag"] != first_en.headers["ETag"]
    # Another spelling of the same choice is the same remembered page, from memory.
    again_es, statements = fetch_with(app, client, path, {"Accept-Language": "es"})
    assert statements == 0 and again_es.data == first_es.data
    again_en, statements = fetch_with(app, client, path, {"Accept-Language": "de, en-US"})
    assert statements == 0 and again_en.data == first_en.data
    for answer in (again_es, again_en):
        assert "Accept-Language" in answer.headers["Vary"]
    # An English copy's ETag revalidates nothing in Spanish.
    crossed, _ = fetch_with(
        app, client, path, {**spanish, "If-None-Match": first_en.headers["ETag"]}
    )
    assert crossed.status_code == 200 and crossed.data == first_es.data


def fetch_with(app, client, path: str, headers: dict):
    """GET path with headers: the response and the SQL statements it ran."""
    got = []
    count = statements_run(app, lambda: got.append(client.get(path, headers=headers)))
    return got[0], count


def test_an_older_copy_gets_the_page_from_memory(app, client, pages, clock):
    hub, _, _ = pages
    first = client.get(hub)
    page, statements = fetch(app, client, hub, '"an-older-copy"')
    assert statements == 0 and page.status_code == 200 and page.data == first.data


def test_a_date_only_revalidation_goes_to_flask(app, client, pages, clock):
    _, blog_path, blog = pages
    first = client.get(blog_path)
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    got = []
    statements = statements_run(app, lambda: got.append(client.get(blog_path, headers=since)))
    assert got[0].status_code == 304 and statements > 0


def test_after_the_window_flask_answers_again(app, client, pages, clock):
    hub, _, _ = pages
    etag = client.get(hub).headers["ETag"]
    clock.move(0.9)
    assert fetch(app, client, hub, etag)[1] == 0
    clock.move(0.2)
    page, statements = fetch(app, client, hub, etag)
    assert page.status_code == 304 and statements == 1


def test_a_change_pushed_here_is_seen_at_once(client, pages, editor, clock):
    hub, blog_path, blog = pages
    hub_etag = client.get(hub).headers["ETag"]
    blog_etag = client.get(blog_path).headers["ETag"]
    actions.set_hub_summary(editor, blog.event_id, "Keynote at **ten**.")
    page = client.get(hub, headers={"If-None-Match": hub_etag})
    assert page.status_code == 200 and "<strong>ten</strong>" in page.get_data(as_text=True)
    update = actions.EntryInput(source="Doors *open*.")
    actions.post_entry(editor, blog.id, update, "keynote-1")
    for headers in ({"If-None-Match": blog_etag}, {}):
        page = client.get(blog_path, headers=headers)
        assert page.status_code == 200 and "<em>open</em>" in page.get_data(as_text=True)


def test_logged_in_readers_are_never_answered_from_memory(app, client, pages, editor, clock):
    hub, _, _ = pages
    anonymous = client.get(hub)
    login(client, editor)
    page, statements = fetch(app, client, hub)
    assert statements > 0 and f"Log out {editor.name}" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-cache"
    for etag in (page.headers["ETag"], anonymous.headers["ETag"]):
        assert fetch(app, client, hub, etag)[1] > 0
    # Nor is what they were told given to anonymous readers.
    stranger = app.test_client().get(hub, headers={"If-None-Match": page.headers["ETag"]})
    assert stranger.status_code == 200 and "Log out" not in stranger.get_data(as_text=True)


def test_other_pages_are_not_remembered(app, client, pages, clock):
    client.get("/")
    assert fetch(app, client, "/")[1] > 0


def test_a_window_of_zero_sends_every_request_to_flask(app, client, pages, clock):
    app.config["PAGE_CACHE_WINDOW_S"] = 0
    hub, _, _ = pages
    etag = client.get(hub).headers["ETag"]
    assert fetch(app, client, hub, etag)[1] == 1
    assert fetch(app, client, hub)[1] > 1


def test_memory_is_bounded_by_bytes_and_drops_the_oldest_urls(monkeypatch):
    monkeypatch.setattr(page_cache, "MAX_BODY_BYTES", 25_000)
    served = []

    def page_app(environ, start_response):
        # A stand-in for Flask's public pages: each URL its own 10 kB body.
        served.append(environ["PATH_INFO"])
        page_cache.mark_replayable(environ, "readers.blog_page")
        start_response(
            "200 OK", [("ETag", f'"{environ["PATH_INFO"]}"'), ("Content-Type", "text/html")]
        )
        return [b"x" * 10_000]

    cache = page_cache.AnonymousPageCache(page_app, {"PAGE_CACHE_WINDOW_S": 60})
    environ = {"REQUEST_METHOD": "GET", "HTTP_HOST": "h", "QUERY_STRING": ""}
    for path in ("/a", "/b", "/c", "/a", "/c"):
        cache({**environ, "PATH_INFO": path}, lambda status, headers, exc_info=None: None)
    # /a was dropped when /c came (30 kB > 25 kB); /c was still remembered.
    assert served == ["/a", "/b", "/c", "/a"]


def test_the_window_is_set_in_seconds_and_a_bad_value_says_what_is_wanted():
    assert [page_cache_window(text) for text in ("", "0", "2.5")] == [1.0, 0, 2.5]
    for bad in ("-1", "soon", "600"):
        with pytest.raises(ValueError, match="SHOWFLOOR_PAGE_CACHE_WINDOW_S: .* from 0 to 60"):
            page_cache_window(bad)


def test_a_page_rendered_across_a_change_is_not_remembered():
    served = []

    def page_app(environ, start_response):
        # A stand-in for a page render during which this process pushes a change.
        served.append(environ["PATH_INFO"])
        page_cache.mark_replayable(environ, "readers.blog_page")
        if len(served) == 1:
            cache.forget()
        start_response("200 OK", [("ETag", '"seq-10"'), ("Content-Type", "text/html")])
        return [b"the page at seq 10"]

    cache = page_cache.AnonymousPageCache(page_app, {"PAGE_CACHE_WINDOW_S": 60})
    environ = {"REQUEST_METHOD": "GET", "HTTP_HOST": "h", "PATH_INFO": "/b", "QUERY_STRING": ""}
    for _ in range(3):
        cache(dict(environ), lambda status, headers, exc_info=None: None)
    assert served == ["/b", "/b"]  # the first answer was not kept, the second was
