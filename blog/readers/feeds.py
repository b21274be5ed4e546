"""Atom feeds of a live blog and of a whole event, with the same validators as the pages.

An entry carries what its page shows: a photo as an enclosure and as Media RSS
content with its alt text, a link card as a link, a quote with its speaker's name.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from xml.etree import ElementTree as ET

from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from blog.content import queries, timeline
from blog.content.plaintext import excerpt
from blog.models import Entry, EntryStatus, LiveBlog
from blog.platform import caching, db
from blog.platform.i18n import page_lang, use_event_locale
from blog.readers import bp, images

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_RSS = "http://search.yahoo.com/mrss/"
FEED_SIZE = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _stamp(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _entry_url(entry: Entry) -> str:
    blog = entry.blog
    return url_for(
        "readers.entry_page",
        event_slug=blog.event.slug,
        blog_slug=blog.slug,
        entry_id=entry.id,
        _external=True,
    )


def _add_entry(feed: ET.Element, entry: Entry, with_blog: bool) -> None:
    if entry.published_at is None:  # a feed holds published entries only
        return
    node = _el(feed, "entry")
    url = _entry_url(entry)
    title = entry.headline or excerpt(entry.html, 90) or _card_title(entry) or _("Update")
    if entry.speaker is not None and not entry.headline:
        title = f"{entry.speaker.name}: “{title}”"
    if with_blog:
        title = f"{entry.blog.title}: {title}"
    _el(node, "title", title)
    _el(node, "id", url)
    _el(node, "link", rel="alternate", type="text/html", href=url)
    _el(node, "published", _stamp(entry.published_at))
    _el(node, "updated", _stamp(max(entry.updated_at, entry.published_at)))
    for person in entry.authors:
        _el(_el(node, "author"), "name", person.name)
    for tag in entry.tags:
        _el(node, "category", term=tag.name)
    if entry.embed:
        _el(node, "link", rel="related", type="text/html", href=entry.embed["url"])
    image = images.photo_image(entry.media)
    if image is not None:
        _add_photo(node, image)
    _el(node, "content", _content(entry, image), type="html")


def _add_photo(node: ET.Element, image: dict) -> None:
    _el(node, "link", rel="enclosure", type=image["type"], href=image["url"])
    media = _el(
        node,
        "media:content",
        url=image["url"],
        type=image["type"],
        medium="image",
        width=str(image["width"]),
        height=str(image["height"]),
    )
    _el(media, "media:description", image["alt"], type="plain")


def _card_title(entry: Entry) -> str:
    return (entry.embed or {}).get("title") or ""


def _content(entry: Entry, image: dict | None) -> str:
    """The entry's HTML as its page shows it: photo, quote with its speaker, link card."""
    parts = []
    if entry.context_html:
        parts.append(entry.context_html)
    if image is not None:
        parts.append(_photo_html(image))
    if entry.speaker is not None:
        parts.append(f"<blockquote>{entry.html}</blockquote>")
        parts.append(f"<p>— {escape(entry.speaker.attribution)}</p>")
    else:
        parts.append(entry.html)
    if entry.embed:
        card = entry.embed
        label = escape(f"{card['provider']}: {card.get('title') or card['url']}")
        parts.append(f'<p><a href="{escape(card["url"])}">{label}</a></p>')
    return "".join(parts)


def _photo_html(image: dict) -> str:
    caption = f"<figcaption>{escape(image['caption'])}</figcaption>" if image["caption"] else ""
    return (
        f'<figure><img src="{escape(image["url"])}" alt="{escape(image["alt"])}">{caption}</figure>'
    )


def _feed(title: str, page_url: str, self_url: str, updated: datetime, entries, with_blog):
    # Plain prefixed names: ElementTree would otherwise invent ns0: prefixes. The
    # feed's language is the locale its words and the reader's choice are in.
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:media": MEDIA_RSS, "xml:lang": page_lang()})
    _el(feed, "title", title)
    _el(feed, "id", page_url)
    _el(feed, "link", rel="alternate", type="text/html", href=page_url)
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "updated", _stamp(updated))
    _el(feed, "generator", "Showfloor")
    for entry in entries:
        _add_entry(feed, entry, with_blog)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _respond(body: bytes, etag: str, modified: datetime):
    response = caching.conditional(body, etag, modified)
    response.content_type = ATOM_TYPE
    return response


@bp.get("/e/<event_slug>/<blog_slug>/feed.atom")
def blog_feed(event_slug: str, blog_slug: str):
    """The newest entries of one live blog as Atom."""
    blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    use_event_locale(blog.event.locale)
    etag = caching.page_etag("blog-feed", blog.id, blog.last_seq, blog.title)
    modified = timeline.last_change_at(blog)
    if caching.not_modified(etag, modified):
        return caching.unchanged(etag, modified)
    entries = _newest(select(Entry).where(Entry.blog_id == blog.id))
    kw: dict[str, Any] = {"event_slug": event_slug, "blog_slug": blog_slug, "_external": True}
    page = url_for("readers.blog_page", **kw)
    title = f"{blog.title} — {blog.event.name}"
    body = _feed(title, page, url_for("readers.blog_feed", **kw), modified, entries, False)
    return _respond(body, etag, modified)


@bp.get("/e/<event_slug>/feed.atom")
def event_feed(event_slug: str):
    """The newest entries of every blog of an event as one Atom feed."""
    event = queries.event_by_slug(event_slug) or abort(404)
    use_event_locale(event.locale)
    blogs = list(db.session.scalars(select(LiveBlog).where(LiveBlog.event_id == event.id)))
    heads = sorted((b.id, b.last_seq) for b in blogs)
    etag = caching.page_etag("event-feed", event.id, heads, event.name)
    modified = max((timeline.last_change_at(b) for b in blogs), default=event.created_at)
    if caching.not_modified(etag, modified):
        return caching.unchanged(etag, modified)
    entries = _newest(select(Entry).join(LiveBlog).where(LiveBlog.event_id == event.id))
    kw: dict[str, Any] = {"event_slug": event_slug, "_external": True}
    page = url_for("readers.hub", **kw)
    body = _feed(event.name, page, url_for("readers.event_feed", **kw), modified, entries, True)
    return _respond(body, etag, modified)


def _newest(stmt) -> list[Entry]:
    stmt = stmt.where(Entry.status == EntryStatus.PUBLISHED)
    stmt = stmt.order_by(Entry.published_at.desc(), Entry.id.desc()).limit(FEED_SIZE)
    return list(db.session.scalars(stmt))
