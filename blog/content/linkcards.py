"""Pasted links as safe link cards: provider and title from the URL and the writer, no fetch.

A card is a plain link: nothing is requested from the linked site when the entry
is written or read. Cards of known providers also carry a click-to-load player,
built from the link by blog/content/players.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from blog.content.rendering import clean_text

MAX_URL_CHARS = 2000
MAX_TITLE_CHARS = 200

# Registrable domain → (provider shown on the card, what the link points at).
PROVIDERS = {
    "youtube.com": ("YouTube", "video"),
    "youtu.be": ("YouTube", "video"),
    "vimeo.com": ("Vimeo", "video"),
    "x.com": ("X", "post"),
    "twitter.com": ("X", "post"),
    "linkedin.com": ("LinkedIn", "post"),
    "lnkd.in": ("LinkedIn", "post"),
    "bsky.app": ("Bluesky", "post"),
    "instagram.com": ("Instagram", "post"),
    "tiktok.com": ("TikTok", "video"),
}
# Mastodon servers have any name; their post URLs look like /@user/1234 or /@user@host/1234.
MASTODON_POST = re.compile(r"^/@[A-Za-z0-9_.]+(?:@[A-Za-z0-9.-]+)?/[0-9]+/?$")
# Whitespace, controls and bidi or zero-width characters have no place in a pasted link.
_UNSAFE = re.compile("[\\s\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class EmbedError(ValueError):
    """The link cannot become a card; the message says why, for the writer."""


def normalise_url(raw: str) -> str:
    """Return an absolute http(s) URL with a lowercase, ASCII host, or raise EmbedError."""
    url = (raw or "").strip()
    if not url:
        raise EmbedError("Paste the link to show as a card.")
    if len(url) > MAX_URL_CHARS or _UNSAFE.search(url):
        raise EmbedError(
            f"That is not a usable link: at most {MAX_URL_CHARS} characters, no spaces."
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EmbedError("A card needs a full web address starting with https:// or http://.")
    if parts.username is not None or parts.password is not None:
        raise EmbedError("Links with a user name or password in them cannot be shown as cards.")
    netloc = _ascii_host(parts.hostname) + (f":{parts.port}" if _port(parts) else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError as exc:
        raise EmbedError("The link's port number is not valid.") from exc


def _ascii_host(host: str) -> str:
    """The host in ASCII (punycode), so a look-alike letter cannot pass for a known site."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise EmbedError("The link's site name is not valid.") from exc
    if not re.fullmatch(r"[a-z0-9_.-]+", ascii_host):
        raise EmbedError("The link's site name is not valid.")
    return ascii_host


def provider_of(host: str, path: str) -> tuple[str, str]:
    """Name the provider and kind of a link from its host (and, for Mastodon, its path)."""
    for domain, found in PROVIDERS.items():
        if host == domain or host.endswith("." + domain):
            return found
    if MASTODON_POST.match(path):
        return "Mastodon", "post"
    return _site_name(host), "article"


def _site_name(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def embed_card(raw_url: str, title: str = "") -> dict:
    """Build the card of a pasted link: provider, kind, host, URL and the writer's title."""
    url = normalise_url(raw_url)
    parts = urlsplit(url)
    provider, kind = provider_of(parts.hostname or "", parts.path)
    title = " ".join(clean_text(title or "").split())
    if len(title) > MAX_TITLE_CHARS:
        raise EmbedError(f"The card's title is too long: at most {MAX_TITLE_CHARS} characters.")
    return {
        "url": url,
        "provider": provider,
        "kind": kind,
        "host": _site_name(parts.hostname or ""),
        "title": title,
    }
