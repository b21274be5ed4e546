"""Readers' pages over HTTP: cursors, filters, permalinks, feeds, caching, search."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from conftest import statements_run

from blog import actions
from blog.live import reader_counts
from blog.models import ORDER_OLDEST, LiveBlog
from blog.platform import db


def blog_path(blog) -> str:
    return f"/e/{blog.event.slug}/{blog.slug}/"


def entry_ids(html: str) -> list[int]:
    """Entry ids in the order the page shows them (pinned first)."""
    return [int(m) for m in re.findall(r'<article[^>]* id="entry-(\d+)"', html)]


def get_html(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


@pytest.fixture
def long_blog(make_blog, make_entry):
    """A live blog with 25 entries, oldest first in the returned list."""
    blog = make_blog()
    entries = [make_entry(blog, source=f"Update number {n}") for n in range(25)]
    return blog, entries


# ---- the blog page: order, cursor, pinned, filters --------------------------------


def test_newest_first_by_default_with_an_older_link_that_works_without_js(client, long_blog):
    blog, entries = long_blog
    html = get_html(client, blog_path(blog))
    ids = entry_ids(html)
    assert ids == [e.id for e in reversed(entries)][:20]
    older = re.search(r'id="load-more"[^>]*href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"before={ids[-1]}" in older
    assert entry_ids(get_html(client, older)) == [e.id for e in reversed(entries[:5])]


def test_load_more_fragment_gives_html_and_the_next_cursor(client, make_blog, make_entry):
    blog = make_blog()
    entries = [make_entry(blog, source=f"Line {n}") for n in range(45)]
    first = entries[-21]
    body = client.get(blog_path(blog) + f"?before={entries[-20].id}&fragment=1").get_json()
    assert entry_ids(body["html"])[0] == first.id
    assert len(entry_ids(body["html"])) == 20
    assert f"before={entries[5].id}" in body["next"]
    last = client.get(body["next"] + "&fragment=1").get_json()
    assert entry_ids(last["html"]) == [e.id for e in reversed(entries[:5])]
    assert last["next"] is None


def test_editor_default_order_and_the_readers_toggle(client, long_blog):
    blog, entries = long_blog
    db.session.get(LiveBlog, blog.id).default_order = ORDER_OLDEST
    db.session.commit()
    html = get_html(client, blog_path(blog))
    assert entry_ids(html)[:3] == [e.id for e in entries[:3]]
    assert f"after={entries[19].id}" in html
    newest = get_html(client, blog_path(blog) + "?order=newest")
    assert entry_ids(newest)[0] == entries[-1].id


def test_pinned_entry_comes_first_on_the_latest_page_only(client, long_blog, editor):
    blog, entries = long_blog
    actions.pin_entry(editor, entries[3].id, True)
    ids = entry_ids(get_html(client, blog_path(blog)))
    assert ids[0] == entries[3].id and ids.count(entries[3].id) == 1
    older = entry_ids(get_html(client, blog_path(blog) + f"?before={entries[5].id}"))
    assert entries[3].id in older  # in its place in time, not pinned, on an older page


def test_filters_by_tag_speaker_organization_and_key(client, make_blog, make_entry):
    blog = make_blog()
    ceo = actions.add_speaker(blog.event, "Ana Ruiz", "CEO", "Acme")
    cto = actions.add_speaker(blog.event, "Bo Lee", "CTO", "Acme")
    other = actions.add_speaker(blog.event, "Cy Diaz", "", "Globex")
    tagged = make_entry(blog, source="Chips", tags=["ai", "chips"])
    key = make_entry(blog, source="Big news", is_key=True)
    q1 = make_entry(blog, source="We ship", kind="quote", speaker_id=ceo.id)
    q2 = make_entry(blog, source="We build", kind="quote", speaker_id=cto.id)
    q3 = make_entry(blog, source="We compete", kind="quote", speaker_id=other.id)
    path = blog_path(blog)
    assert entry_ids(get_html(client, path + "?tag=ai")) == [tagged.id]
    assert entry_ids(get_html(client, path + "?key=1")) == [key.id]
    assert entry_ids(get_html(client, path + f"?speaker={ceo.id}")) == [q1.id]
    org = ceo.organization_id
    assert entry_ids(get_html(client, path + f"?org={org}")) == [q2.id, q1.id]
    html = get_html(client, path)
    assert "Globex" in html and ">ai<" in html and "Cy Diaz" in html
    assert q3.id in entry_ids(html)
    assert "No updates match" in get_html(client, path + "?tag=nothing")


def test_key_moment_links_jump_on_the_page_or_open_the_page_around_the_entry(
    client, make_blog, make_entry
):
    blog = make_blog()
    old_key = make_entry(blog, source="Old key", is_key=True)
    for n in range(25):
        make_entry(blog, source=f"Filler {n}")
    new_key = make_entry(blog, source="New key", is_key=True)
    html = get_html(client, blog_path(blog))
    assert f'href="#entry-{new_key.id}"' in html
    assert f"around={old_key.id}#entry-{old_key.id}" in html


# ---- permalinks -------------------------------------------------------------------


def test_permalink_of_an_old_entry_resolves_to_its_place(client, make_blog, make_entry):
    blog = make_blog()
    entries = [make_entry(blog, source=f"Entry {n}", headline=f"Head {n}") for n in range(60)]
    old = entries[7]
    page = get_html(client, f"/e/{blog.event.slug}/{blog.slug}/entries/{old.id}")
    assert 'property="og:title" content="Head 7"' in page
    assert 'name="twitter:card" content="summary"' in page
    assert (
        f'property="og:url" content="http://localhost/e/{blog.event.slug}/{blog.slug}/entries/{old.id}"'
        in page
    )
    back = re.search(r'id="in-context"[^>]*href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert back.endswith(f"#entry-{old.id}")
    around = entry_ids(get_html(client, back.split("#")[0]))
    assert old.id in around
    assert around.index(old.id) == 3  # a little context above it
    assert "Back to the latest updates" in get_html(client, back.split("#")[0])


def test_permalink_of_a_retracted_entry_is_gone(client, make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog)
    actions.retract_entry(editor, entry.id)
    assert client.get(f"/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}").status_code == 410
    assert client.get(blog_path(blog) + f"?around={entry.id + 99}").status_code == 404


def test_share_links_need_no_third_party_script(client, make_blog, make_entry):
    blog = make_blog()
    entry = make_entry(blog, headline="Launch")
    page = get_html(client, f"/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}")
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    assert re.search(r"twitter.com/intent/tweet\?url=http[^\"]*localhost", page)
    assert "data-share" in page and "data-copy=" in page


# ---- caching ----------------------------------------------------------------------


def test_etag_and_last_modified_follow_the_blogs_seq(app, client, make_blog, make_entry):
    # How Flask derives validators; answers remembered in front of it: test_page_cache.py.
    app.config["PAGE_CACHE_WINDOW_S"] = 0
    blog = make_blog()
    make_entry(blog)
    first = client.get(blog_path(blog))
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get(blog_path(blog), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get(
        blog_path(blog), headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    make_entry(blog, source="Something new")
    changed = client.get(blog_path(blog), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Something new" in changed.get_data(as_text=True)
    app.config["ASSET_VERSION"] = "another-deploy"
    redeployed = client.get(blog_path(blog), headers={"If-None-Match": changed.headers["ETag"]})
    assert redeployed.status_code == 200


def test_a_cached_page_carries_the_seq_it_is_exact_at(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog)
    html = get_html(client, blog_path(blog))
    seq = int(re.search(r'data-seq="(\d+)"', html).group(1))
    make_entry(blog, source="After the page")
    changes = client.get(f"/api/v1/blogs/{blog.id}/changes?since={seq}").get_json()["changes"]
    assert [c["seq"] for c in changes] == [seq + 1]
    assert "After the page" in changes[0]["html"]


def test_static_assets_are_versioned(client, make_blog):
    html = get_html(client, blog_path(make_blog()))
    assert re.search(r'/static/js/reader\.js\?v=[0-9a-f]{12}"', html)
    assert re.search(r'/static/css/app\.css\?v=[0-9a-f]{12}"', html)


# ---- feeds ------------------------------------------------------------------------


def test_blog_feed_parses_as_atom(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="First *words*", headline="Opening", tags=["ai"])
    make_entry(blog, source="Second & 5 < 6")
    response = client.get(blog_path(blog) + "feed.atom")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title.startswith("A live blog")
    assert [e.title for e in feed.entries] == ["Second & 5 < 6", "Opening"]
    assert feed.entries[1].tags[0].term == "ai"
    assert "<em>words</em>" in feed.entries[1].content[0].value
    assert feed.entries[0].link.startswith("http://localhost/e/")
    assert (
        client.get(
            blog_path(blog) + "feed.atom", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )


def test_event_feed_merges_every_blog(client, make_event, make_blog, make_entry):
    event = make_event()
    a, b = make_blog(event), make_blog(event)
    make_entry(a, source="From A")
    make_entry(b, source="From B")
    feed = feedparser.parse(client.get(f"/e/{event.slug}/feed.atom").get_data())
    assert not feed.bozo
    assert len(feed.entries) == 2
    assert {e.title.split(": ")[1] for e in feed.entries} == {"From A", "From B"}


# ---- search -----------------------------------------------------------------------


def search(client, event, query: str) -> list[int]:
    html = get_html(client, f"/e/{event.slug}/search?q={query}")
    return [int(i) for i in re.findall(r'class="result" data-entry-id="(\d+)"', html)]


def test_search_finds_published_entries_of_the_event_only(
    client, make_event, make_blog, make_entry, editor
):
    event, elsewhere = make_event(), make_event()
    blog = make_blog(event)
    keynote = make_entry(blog, source="The keynote announces **satellites**", headline="Keynote")
    other = make_entry(blog, source="Coffee break")
    make_entry(make_blog(elsewhere), source="Another keynote")
    assert search(client, event, "keynote") == [keynote.id]
    assert search(client, event, "satellite") == [keynote.id]  # stemmed
    html = get_html(client, f"/e/{event.slug}/search?q=satellites")
    assert "<mark>satellites</mark>" in html
    actions.edit_entry(
        editor, other.id, other.version, actions.EntryInput(source="Coffee and satellites")
    )
    assert set(search(client, event, "satellites")) == {keynote.id, other.id}
    actions.retract_entry(editor, keynote.id)
    assert search(client, event, "satellites") == [other.id]


@pytest.mark.parametrize("query", ['"', "AND", "NEAR(", "a* OR -", "'; DROP TABLE entry; --"])
def test_search_treats_syntax_as_words(client, make_blog, make_entry, query):
    blog = make_blog()
    make_entry(blog, source="Plain words")
    assert client.get(f"/e/{blog.event.slug}/search", query_string={"q": query}).status_code == 200


# ---- embed ------------------------------------------------------------------------


def test_embed_alone_may_be_framed_by_other_sites(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="Embedded words")
    embed = client.get(f"/embed/{blog.event.slug}/{blog.slug}")
    assert embed.status_code == 200
    csp = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    assert "X-Frame-Options" not in embed.headers
    assert "Embedded words" in embed.get_data(as_text=True)
    page = client.get(blog_path(blog))
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_embed_code_is_offered_to_signed_in_staff_only(client, make_blog, editor):
    from conftest import login

    blog = make_blog()
    assert "embed-snippet" not in get_html(client, blog_path(blog))
    login(client, editor)
    html = get_html(client, blog_path(blog))
    assert f"/embed/{blog.event.slug}/{blog.slug}" in html and "js/embed.js" in html


# ---- readers following ------------------------------------------------------------


def test_readers_changed_goes_to_the_blogs_room_only(app, reader, make_blog):
    blog, other = make_blog(), make_blog()
    mine, theirs = reader(), reader()
    mine.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    theirs.emit("follow", {"blog_id": other.id, "since": 0}, callback=True)
    mine.get_received(), theirs.get_received()
    reader_counts.ReaderCounter().flush(blog.id, None)
    got = [m["args"] for m in mine.get_received() if m["name"] == "readers_changed"]
    assert got == [[{"blog_id": blog.id, "readers": 1}]]
    assert [m for m in theirs.get_received() if m["name"] == "readers_changed"] == []


def test_follow_and_disconnect_schedule_a_recount_when_counting_is_on(app, reader, make_blog):
    app.config["READERS_COUNT"] = True
    blog = make_blog()
    scheduled = []
    counter = app.extensions["showfloor_readers"] = reader_counts.ReaderCounter()
    counter.changed = lambda blog_id, url, joined=False: scheduled.append((blog_id, joined))
    sio = reader()
    sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)
    sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)  # the 30 s re-follow
    sio.disconnect()
    assert scheduled == [(blog.id, True), (blog.id, False), (blog.id, False)]


def test_readers_count_is_throttled_per_blog(monkeypatch):
    now = [100.0]
    started = []
    counter = reader_counts.ReaderCounter(interval=5, clock=lambda: now[0])
    monkeypatch.setattr(
        reader_counts.socketio, "start_background_task", lambda *a: started.append(a)
    )
    monkeypatch.setattr(reader_counts, "local_count", lambda blog_id: 7)
    sent = []
    monkeypatch.setattr(
        reader_counts.push, "emit_readers_changed", lambda b, n: sent.append((b, n))
    )
    assert counter.changed(1, None) == reader_counts.SETTLE
    assert counter.changed(1, None) is None  # one pending broadcast per blog
    counter.flush(1, None)
    assert sent == [(1, 7)]
    assert counter.changed(1, None) == pytest.approx(5)
    counter.flush(1, None)
    assert sent == [(1, 7)]  # unchanged count: nothing sent
    now[0] += 60
    assert counter.changed(1, None, joined=True) == reader_counts.SETTLE
    counter.flush(1, None)
    assert sent == [(1, 7), (1, 7)]  # a newcomer hears the count even though it did not move
    assert len(started) == 3


def test_readers_are_summed_across_processes_through_redis():
    from conftest import REDIS_ENV, need_service

    url = need_service(REDIS_ENV, "Redis")
    blog_id = 10_000_000 + int(reader_counts.time.time()) % 1000
    import redis

    redis.Redis.from_url(url).delete(f"showfloor:readers:{blog_id}")
    redis.Redis.from_url(url).hset(
        f"showfloor:readers:{blog_id}", "other-process", f"5:{reader_counts.time.time():.0f}"
    )
    redis.Redis.from_url(url).hset(f"showfloor:readers:{blog_id}", "dead-process", "9:1")
    assert reader_counts.redis_total(url, blog_id, 2, reader_counts.time.time()) == 7


# ---- the hub ----------------------------------------------------------------------


def test_page_revalidation_reads_one_row_per_seq(app, client, make_event, make_blog, editor):
    # Flask's own path; answers remembered in front of it: tests/test_page_cache.py.
    app.config["PAGE_CACHE_WINDOW_S"] = 0
    event = make_event(name="Frontier Expo")
    blog = make_blog(event)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id, lead=True)
    path = f"/e/{event.slug}/"
    etag = client.get(path).headers["ETag"]

    def revalidate():
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    # The event's row alone: the snapshot for this seq is already built.
    assert statements_run(app, revalidate) == 1
    blog_path = f"/e/{event.slug}/{blog.slug}/"
    blog_etag = client.get(blog_path).headers["ETag"]
    # The blog's row alone: its Last-Modified for this seq is known.
    assert (
        statements_run(
            app, lambda: client.get(blog_path, headers={"If-None-Match": blog_etag}).status_code
        )
        == 1
    )
    actions.set_hub_summary(editor, event.id, "Keynote at **ten**.")
    page = client.get(path, headers={"If-None-Match": etag})
    assert page.status_code == 200 and "<strong>ten</strong>" in page.get_data(as_text=True)


def test_hub_page_renders_its_stream_state_and_revalidates(client, make_event, make_blog, editor):
    event = make_event(name="Frontier Expo")
    blog = make_blog(event)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id, lead=True)
    actions.set_hub_summary(editor, event.id, "Doors open at **nine**.")
    response = client.get(f"/e/{event.slug}/")
    html = response.get_data(as_text=True)
    assert "<strong>nine</strong>" in html and "feature--lead" in html
    state = json.loads(re.search(r'id="hub-state">(.*?)</script>', html, re.S).group(1))
    assert state["lead"]["blog"]["id"] == blog.id
    seq = int(re.search(r'id="hub" data-event-id="\d+" data-seq="(\d+)"', html).group(1))
    assert seq == db.session.get(type(event), event.id).last_seq
    etag = response.headers["ETag"]
    assert client.get(f"/e/{event.slug}/", headers={"If-None-Match": etag}).status_code == 304
    actions.set_hub_summary(editor, event.id, "Doors open at ten.")
    assert client.get(f"/e/{event.slug}/", headers={"If-None-Match": etag}).status_code == 200


def test_agenda_now_next_and_countdowns():
    from datetime import UTC, datetime

    from blog.readers.hub_page import agenda_now, countdown

    def at(hour, minute=0):
        return datetime(2027, 3, 2, hour, minute, tzinfo=UTC)

    sessions = [
        {"id": n, "starts_at": at(h).isoformat(), "ends_at": at(h + 1).isoformat()}
        for n, h in enumerate([9, 10, 11, 12, 13, 14])
    ]
    on_now, up_next = agenda_now(sessions, at(10, 30))
    assert [s["id"] for s in on_now] == [1]
    assert [s["id"] for s in up_next] == [2, 3, 4]
    assert countdown(at(11).isoformat(), at(10, 30)) == "in 30 min"
    assert countdown(at(13, 5).isoformat(), at(10, 30)) == "in 2 h 35 min"
    assert countdown(at(11).isoformat(), at(10, 59)) == "in 1 min"
    assert countdown(at(9).isoformat(), at(10)) == "now"


def test_embed_framing_can_be_limited_to_listed_sites(app, client, make_blog):
    blog = make_blog()
    app.config["EMBED_FRAME_ANCESTORS"] = "https://news.example https://b.example; script-src *"
    csp = client.get(f"/embed/{blog.event.slug}/{blog.slug}").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors https://news.example https://b.example")
    assert "script-src *" not in csp


@pytest.mark.parametrize("arg", ["before", "after", "around"])
def test_cursors_beyond_any_id_are_404(client, make_blog, make_entry, arg):
    blog = make_blog()
    make_entry(blog)
    for raw in ("99999999999", "9" * 30, "-1", "1e3"):
        assert client.get(blog_path(blog) + f"?{arg}={raw}").status_code == 404


def test_odd_filter_values_are_ignored_or_match_nothing(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="Visible")
    assert "Visible" in get_html(client, blog_path(blog) + "?speaker=abc&org=-3&key=yes")
    assert "Visible" in get_html(client, blog_path(blog) + f"?speaker={'9' * 30}")
    assert "No updates match" in get_html(client, blog_path(blog) + f"?tag={'x' * 500}")
