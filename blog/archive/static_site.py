"""A static HTML archive of an event: plain pages and their assets, readable with no server."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select

from blog.content import queries
from blog.models import ORDER_OLDEST, AgendaSession, Entry, EntryStatus, Event, HubFeature, LiveBlog
from blog.platform import db
from blog.platform.i18n import in_locale

# Root-relative URLs in the rendered pages; each becomes a relative link into
# the archive, a copied asset, or "#" when it points at a server-only page.
_URL_ATTR = re.compile(r'(\s(?:href|src))="(/[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset)="([^"]*)"')
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_ASSET_PREFIXES = ("/static/", "/media/", "/uploads/", "/favicon")


def _published(blog: LiveBlog) -> list[Entry]:
    """Every published entry of a blog in the blog's reading order, the pinned one first."""
    stmt = (
        select(Entry)
        .where(Entry.blog_id == blog.id, Entry.status == EntryStatus.PUBLISHED)
        .order_by(Entry.published_at, Entry.id)
    )
    entries = list(db.session.scalars(stmt))
    if blog.default_order != ORDER_OLDEST:
        entries.reverse()
    return sorted(entries, key=lambda e: not e.is_pinned)


def _agenda(event: Event) -> list[AgendaSession]:
    stmt = select(AgendaSession).where(AgendaSession.event_id == event.id)
    return list(db.session.scalars(stmt.order_by(AgendaSession.starts_at, AgendaSession.id)))


class _Localizer:
    """Rewrites a page's root-relative URLs to relative ones, copying assets into the folder."""

    def __init__(self, event: Event, outdir: Path):
        self.slug = event.slug
        self.outdir = outdir
        self.blogs = {b.slug for b in event.blogs}
        self.client = current_app.test_client()
        self.copied: dict[str, str] = {}

    def page(self, html: str) -> str:
        """The page with every URL made local and no script left."""
        html = _SCRIPT.sub("", html)
        html = _SRCSET.sub(lambda m: f'{m[1]}="{self._srcset(m[2])}"', html)
        return _URL_ATTR.sub(lambda m: f'{m[1]}="{self._url(m[1].strip(), m[2])}"', html)

    def _srcset(self, value: str) -> str:
        parts = []
        for candidate in value.split(","):
            url, _, size = candidate.strip().partition(" ")
            parts.append(f"{self._asset(url) if url.startswith('/') else url} {size}".strip())
        return ", ".join(parts)

    def _url(self, attr: str, url: str) -> str:
        if attr == "src" or url.startswith(_ASSET_PREFIXES):
            return self._asset(url)
        return self._page_link(url)

    def _page_link(self, url: str) -> str:
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if parts[:2] != ["e", self.slug]:
            return "#"
        if len(parts) == 2:
            return "index.html"
        if parts[2] not in self.blogs:
            return "#"
        if len(parts) == 5 and parts[3] == "entries" and parts[4].isdigit():
            return f"{parts[2]}.html#entry-{parts[4]}"
        return f"{parts[2]}.html"

    def _asset(self, url: str) -> str:
        if url in self.copied:
            return self.copied[url]
        path = urlsplit(url).path
        response = self.client.get(path)
        local = "#"
        if response.status_code == 200:
            name = PurePosixPath("assets", *[p for p in path.split("/") if p not in ("", "..")])
            target = self.outdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(response.get_data())
            local = str(name)
        response.close()  # a static file response holds the file open until closed
        self.copied[url] = local
        return local


def write_archive(event: Event, outdir: Path) -> list[Path]:
    """Write the event's hub and one page per blog into outdir; return the pages written."""
    outdir.mkdir(parents=True, exist_ok=True)
    if any(outdir.iterdir()):
        raise FileExistsError(f"{outdir} is not empty; choose a new folder.")
    # A published archive is in its event's locale, whoever runs the export.
    with current_app.test_request_context("/"), in_locale(event.locale):
        localizer = _Localizer(event, outdir)
        pages = {"index.html": _hub_page(event)}
        for blog in event.blogs:
            pages[f"{blog.slug}.html"] = _blog_page(blog)
        written = []
        for name, html in pages.items():
            path = outdir / name
            path.write_text(localizer.page(html), encoding="utf-8")
            written.append(path)
    return written


def _features(event: Event) -> list[tuple[HubFeature, LiveBlog | None, Entry | None]]:
    """The hub's featured blogs and published entries, lead first, in the editor's order."""
    stmt = select(HubFeature).where(HubFeature.event_id == event.id)
    rows = db.session.scalars(stmt.order_by(HubFeature.is_lead.desc(), HubFeature.position))
    out = []
    for feature in rows:
        entry = db.session.get(Entry, feature.entry_id) if feature.entry_id else None
        if entry is not None and entry.status != EntryStatus.PUBLISHED:
            continue
        blog = entry.blog if entry else db.session.get(LiveBlog, feature.blog_id)
        out.append((feature, blog, entry))
    return out


def _hub_page(event: Event) -> str:
    keys = {b.id: queries.key_entries(b, limit=10) for b in event.blogs}
    return render_template(
        "archive/hub.html",
        event=event,
        blogs=event.blogs,
        keys=keys,
        agenda=_agenda(event),
        features=_features(event),
    )


def _blog_page(blog: LiveBlog) -> str:
    entries = _published(blog)
    return render_template("archive/blog.html", event=blog.event, blog=blog, entries=entries)
