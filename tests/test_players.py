"""Link cards' click-to-load players: addresses built from parsed ids, and the CSP framing them."""

from __future__ import annotations

import re

import pytest
from conftest import dispose_app, make_test_app
from flask import render_template
from test_csp import directives
from test_media import camera_jpeg, upload

from blog.content.players import player_for
from blog.platform.config import DEFAULT_MASTODON_HOSTS, host_names

# What a reader's page may frame, written out: a new origin must be added here on purpose.
EXPECTED_FRAME_SRC = [
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://embed.bsky.app",
    "https://www.instagram.com",
    "https://www.tiktok.com",
    "https://mastodon.social",
    "https://mastodon.online",
    "https://mstdn.social",
    "https://fosstodon.org",
    "https://hachyderm.io",
    "https://infosec.exchange",
]
BSKY_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"


@pytest.mark.parametrize(
    ("url", "provider", "kind", "src"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
            "YouTube",
            "video",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "YouTube", "video", None),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "YouTube", "video", None),
        (
            "https://vimeo.com/76979871",
            "Vimeo",
            "video",
            "https://player.vimeo.com/video/76979871?dnt=1",
        ),
        (
            "https://vimeo.com/76979871/abc123def0",
            "Vimeo",
            "video",
            "https://player.vimeo.com/video/76979871?dnt=1&h=abc123def0",
        ),
        (
            "https://x.com/mwc/status/1766123456789",
            "X",
            "post",
            "https://platform.twitter.com/embed/Tweet.html?id=1766123456789&dnt=true",
        ),
        ("https://twitter.com/mwc/status/1766123456789/photo/1", "X", "post", None),
        (
            "https://mastodon.social/@showfloor/112233",
            "Mastodon",
            "post",
            "https://mastodon.social/@showfloor/112233/embed",
        ),
        (
            f"https://bsky.app/profile/{BSKY_DID}/post/3kq2abcdefg2x",
            "Bluesky",
            "post",
            f"https://embed.bsky.app/embed/{BSKY_DID}/app.bsky.feed.post/3kq2abcdefg2x",
        ),
        (
            "https://www.instagram.com/p/C4abcDEF123/",
            "Instagram",
            "post",
            "https://www.instagram.com/p/C4abcDEF123/embed/",
        ),
        (
            "https://www.instagram.com/reel/C4abcDEF123/",
            "Instagram",
            "video",
            "https://www.instagram.com/reel/C4abcDEF123/embed/",
        ),
        (
            "https://www.tiktok.com/@mwc/video/7345678901234567890",
            "TikTok",
            "video",
            "https://www.tiktok.com/embed/v2/7345678901234567890",
        ),
    ],
)
def test_known_links_get_a_player_built_from_their_id(url, provider, kind, src):
    player = player_for(url, DEFAULT_MASTODON_HOSTS)
    assert player is not None
    assert (player.provider, player.kind) == (provider, kind)
    if src:
        assert player.src == src
    # Whatever the link said, the player comes from an origin the CSP names.
    assert any(player.src.startswith(origin + "/") for origin in EXPECTED_FRAME_SRC)


@pytest.mark.parametrize(
    "url",
    [
        # A Bluesky handle needs a look-up at Bluesky to become a DID: no player.
        "https://bsky.app/profile/showfloor.bsky.social/post/3kq2abcdefg2x",
        # A Mastodon server nobody listed, or one reached over plain http.
        "https://mastodon.example/@showfloor/112233",
        "http://mastodon.social/@showfloor/112233",
        # Ids that are not ids: path tricks, quotes, wrong lengths.
        "https://www.youtube.com/watch?v=../../evil",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload",
        "https://youtu.be/short",
        "https://vimeo.com/channels/staffpicks",
        "https://x.com/mwc",
        f"https://bsky.app/profile/{BSKY_DID}/post/..",
        "https://www.instagram.com/mwc/",
        "https://vm.tiktok.com/ZMabc123/",
        # Look-alikes and other sites.
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
        "https://www.linkedin.com/posts/acme_5g-activity-1",
    ],
)
def test_other_links_get_no_player(url):
    assert player_for(url, DEFAULT_MASTODON_HOSTS) is None


def test_mastodon_plays_from_the_listed_servers_only():
    url = "https://social.example/@ana/42"
    assert player_for(url, ("social.example",)).src == "https://social.example/@ana/42/embed"
    assert player_for(url, DEFAULT_MASTODON_HOSTS) is None


def test_mastodon_servers_are_read_from_the_environment():
    assert host_names(None) == DEFAULT_MASTODON_HOSTS
    assert host_names("none") == ()
    assert host_names("Social.Example, other.example social.example") == (
        "social.example",
        "other.example",
    )
    for bad in ("social.example; script-src *", "https://social.example", "*.example", "local"):
        with pytest.raises(ValueError, match="SHOWFLOOR_EMBED_MASTODON_HOSTS"):
            host_names(bad)


def test_frame_src_names_exactly_the_players(client, make_blog):
    blog = make_blog()
    for path in (
        f"/e/{blog.event.slug}/{blog.slug}/",
        "/",
        f"/embed/{blog.event.slug}/{blog.slug}",
    ):
        found = directives(client.get(path).headers["Content-Security-Policy"])
        assert found["frame-src"] == EXPECTED_FRAME_SRC, path


def test_frame_src_follows_the_configured_mastodon_servers(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, EMBED_MASTODON_HOSTS=("social.example",))
    try:
        with app.app_context():
            policy = app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        dispose_app(app)
    assert directives(policy)["frame-src"] == [*EXPECTED_FRAME_SRC[:6], "https://social.example"]


def card_html(entry) -> str:
    return render_template("_entry.html", entry=entry, blog=entry.blog)


def test_a_card_names_its_player_and_loads_nothing(make_entry, blog, reporter):
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    entry = make_entry(
        blog, reporter, source="", kind="embed", embed_url=url, embed_title="Keynote"
    )
    html = card_html(entry)
    assert 'data-embed-provider="YouTube"' in html and 'data-embed-kind="video"' in html
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert ">Load video</button>" in html and "connects to YouTube" in html
    # Nothing on the page reaches the provider before a click: no frame, no image, no script.
    assert not re.search(r"<(iframe|script|img)\b", html)
    assert f'href="{url}" rel="nofollow noopener"' in html


def test_a_bluesky_handle_link_stays_a_link_and_says_why(make_entry, blog, reporter):
    url = "https://bsky.app/profile/showfloor.bsky.social/post/3kq2abcdefg2x"
    html = card_html(make_entry(blog, reporter, source="", kind="embed", embed_url=url))
    assert "data-embed-src" not in html and "<button" not in html
    assert "opens on Bluesky" in html and f'href="{url}"' in html


def test_the_reporters_thumbnail_shows_on_the_card(make_entry, blog, reporter):
    photo = upload(reporter, blog, camera_jpeg(), alt="The keynote stage")
    url = "https://vimeo.com/76979871"
    entry = make_entry(blog, reporter, source="", kind="embed", embed_url=url, media_id=photo.id)
    html = card_html(entry)
    thumb = re.search(r'<img class="link-card__thumb" src="(/media/[^"]+)" alt="([^"]*)"', html)
    assert thumb and thumb.group(2) == "The keynote stage"
    assert 'data-embed-src="https://player.vimeo.com/video/76979871?dnt=1"' in html
