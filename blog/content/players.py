"""Click-to-load players for link cards: a provider's iframe address, built from a parsed id.

Nothing here fetches. A card names the provider and the address of its player;
the reader's script puts that address in a sandboxed iframe only when the
reader asks (static/js/players.js). The address is made by this module from an
id it parsed out of the pasted link, never the link itself, and every origin it
can name is one of frame_sources(), which is the Content Security Policy's frame-src.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# The only origins a player is ever loaded from (besides the listed Mastodon servers).
PLAYER_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://embed.bsky.app",
    "https://www.instagram.com",
    "https://www.tiktok.com",
)

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_PATH = re.compile(r"^/(?:shorts|live|embed)/([A-Za-z0-9_-]{11})/?$")
_VIMEO_PATH = re.compile(r"^/(?:video/)?([0-9]{1,12})(?:/([0-9a-f]{6,20}))?/?$")
_X_PATH = re.compile(r"^/[A-Za-z0-9_]{1,15}/status/([0-9]{1,20})(?:/.*)?$")
_MASTODON_PATH = re.compile(r"^/@([A-Za-z0-9_]{1,64})/([0-9]{1,20})/?$")
# A Bluesky post URL names its author by DID or by handle; the embed needs the DID,
# and turning a handle into one takes a request to Bluesky, which we do not make.
_BLUESKY_PATH = re.compile(
    r"^/profile/(did:plc:[a-z2-7]{24}|did:web:[a-z0-9.-]{1,253})/post/([A-Za-z0-9_~-]{1,64})/?$"
)
_INSTAGRAM_PATH = re.compile(r"^/(?:[A-Za-z0-9_.]{1,30}/)?(p|reel|tv)/([A-Za-z0-9_-]{5,40})/?$")
_TIKTOK_PATH = re.compile(r"^/@[A-Za-z0-9_.]{1,64}/video/([0-9]{1,25})/?$")


@dataclass(frozen=True, slots=True)
class Player:
    """A card's player: who provides it, what it shows and the iframe address we built."""

    provider: str
    kind: str  # "video" or "post": the button says "Load video" or "Load post"
    src: str


def _bare(host: str) -> str:
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def _youtube(host: str, path: str, query: str) -> Player | None:
    if host == "youtu.be":
        video = path.strip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        found = _YOUTUBE_PATH.match(path)
        video = found.group(1) if found else ""
        if path == "/watch":
            video = (parse_qs(query).get("v") or [""])[0]
    else:
        return None
    if not _YOUTUBE_ID.match(video):
        return None
    return Player("YouTube", "video", f"https://www.youtube-nocookie.com/embed/{video}")


def _vimeo(host: str, path: str, query: str) -> Player | None:
    found = _VIMEO_PATH.match(path) if host in ("vimeo.com", "player.vimeo.com") else None
    if not found:
        return None
    video, unlisted = found.groups()
    src = f"https://player.vimeo.com/video/{video}?dnt=1"
    return Player("Vimeo", "video", src + (f"&h={unlisted}" if unlisted else ""))


def _x(host: str, path: str, query: str) -> Player | None:
    found = _X_PATH.match(path) if host in ("x.com", "twitter.com") else None
    if not found:
        return None
    src = f"https://platform.twitter.com/embed/Tweet.html?id={found.group(1)}&dnt=true"
    return Player("X", "post", src)


def _bluesky(host: str, path: str, query: str) -> Player | None:
    found = _BLUESKY_PATH.match(path) if host == "bsky.app" else None
    if not found:
        return None
    did, post = found.groups()
    return Player(
        "Bluesky", "post", f"https://embed.bsky.app/embed/{did}/app.bsky.feed.post/{post}"
    )


def _instagram(host: str, path: str, query: str) -> Player | None:
    found = _INSTAGRAM_PATH.match(path) if host == "instagram.com" else None
    if not found:
        return None
    section, code = found.groups()
    kind = "post" if section == "p" else "video"
    return Player("Instagram", kind, f"https://www.instagram.com/{section}/{code}/embed/")


def _tiktok(host: str, path: str, query: str) -> Player | None:
    found = _TIKTOK_PATH.match(path) if host == "tiktok.com" else None
    if not found:
        return None
    return Player("TikTok", "video", f"https://www.tiktok.com/embed/v2/{found.group(1)}")


_PROVIDERS: tuple[Callable[[str, str, str], Player | None], ...] = (
    _youtube,
    _vimeo,
    _x,
    _bluesky,
    _instagram,
    _tiktok,
)


def _mastodon(scheme: str, host: str, path: str, hosts: Iterable[str]) -> Player | None:
    found = _MASTODON_PATH.match(path)
    if scheme != "https" or host not in hosts or not found:
        return None
    user, post = found.groups()
    return Player("Mastodon", "post", f"https://{host}/@{user}/{post}/embed")


def player_for(url: str, mastodon_hosts: Iterable[str]) -> Player | None:
    """The player of a card's (already normalised) link, or None when it has none we can build.

    Mastodon runs on any server and a frame-src cannot name them all: a post plays
    only from the servers the operator listed (SHOWFLOOR_EMBED_MASTODON_HOSTS).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or parts.port is not None:
        return None
    mastodon = _mastodon(parts.scheme, host, parts.path, mastodon_hosts)
    if mastodon is not None:
        return mastodon
    for provider in _PROVIDERS:
        found = provider(_bare(host), parts.path, parts.query)
        if found is not None:
            return found
    return None


def frame_sources(mastodon_hosts: Iterable[str]) -> list[str]:
    """Every origin a player may come from: the Content Security Policy's frame-src, exactly."""
    return [*PLAYER_ORIGINS, *(f"https://{host}" for host in mastodon_hosts)]
