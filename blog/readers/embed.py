"""The embeddable live blog: a compact page other sites frame, kept live like the full one."""

from __future__ import annotations

import os

from flask import abort, current_app, render_template

from blog.content import queries, timeline
from blog.content.timeline import Filters
from blog.models import ORDER_NEWEST
from blog.platform import caching
from blog.platform.i18n import use_event_locale
from blog.platform.web import site_policy
from blog.readers import bp

EMBED_ENTRIES = 15
ENV_FRAME_ANCESTORS = "SHOWFLOOR_EMBED_FRAME_ANCESTORS"


@bp.record_once
def _configure(state) -> None:
    # Which sites may frame the embed: any ("*") unless the operator lists origins.
    raw = os.environ.get(ENV_FRAME_ANCESTORS) or "*"
    state.app.config.setdefault("EMBED_FRAME_ANCESTORS", raw)


def embed_policy(ancestors: str) -> str:
    """The embed's Content-Security-Policy: the site's own, but framable by the given origins."""
    kept = [d for d in site_policy().split("; ") if not d.startswith("frame-ancestors")]
    # Sources are space-separated tokens; anything else could break out of the directive.
    sources = " ".join(t for t in ancestors.split(";")[0].split() if "," not in t) or "'none'"
    return "; ".join([*kept, f"frame-ancestors {sources}"])


@bp.get("/embed/<event_slug>/<blog_slug>")
def embed(event_slug: str, blog_slug: str):
    """A blog's newest entries in a frame-friendly page (this route alone may be framed)."""
    live_blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    use_event_locale(live_blog.event.locale)
    last_seq = live_blog.last_seq
    etag = caching.page_etag("embed", live_blog.id, last_seq, live_blog.status, live_blog.title)
    modified = timeline.last_change_at(live_blog)
    if caching.not_modified(etag, modified):
        response = caching.unchanged(etag, modified)
    else:
        page = timeline.page(live_blog, ORDER_NEWEST, Filters(), limit=EMBED_ENTRIES)
        body = render_template(
            "readers/embed.html",
            blog=live_blog,
            event=live_blog.event,
            page=page,
            last_seq=last_seq,
            pinned=timeline.pinned(live_blog, Filters()),
        )
        response = caching.conditional(body, etag, modified)
    ancestors = current_app.config["EMBED_FRAME_ANCESTORS"]
    response.headers["Content-Security-Policy"] = embed_policy(ancestors)
    # The page links out: opening the full blog must leave the host's frame.
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
