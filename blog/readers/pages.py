"""Readers' pages: the list of events, an event's hub, a live blog and an entry's permalink."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, render_template, request, url_for
from sqlalchemy import select

from blog.content import players, queries, timeline
from blog.content.plaintext import excerpt
from blog.content.timeline import Filters
from blog.live import hub_payloads
from blog.models import ORDER_NEWEST, ORDER_OLDEST, BlogStatus, EntryStatus, Event, LiveBlog
from blog.platform import caching, db
from blog.platform.clock import utcnow
from blog.platform.i18n import use_event_locale
from blog.readers import bp, hub_page, images, jsonld


@bp.get("/")
def index():
    """List events, newest first."""
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    return render_template("readers/index.html", events=events)


@bp.get("/e/<event_slug>/")
def hub(event_slug: str):
    """An event's hub, rendered from the hub stream's snapshot and then kept live by its script."""
    event = queries.event_by_slug(event_slug) or abort(404)
    use_event_locale(event.locale)
    # Read the cursor first, as the blog page does: a change in between is replayed.
    last_seq, now = event.last_seq, utcnow()
    state = hub_payloads.snapshot_at(event, last_seq)
    on_now, up_next = hub_page.agenda_now(state["agenda"], now)
    timely = [s["id"] for s in on_now + up_next]
    etag = caching.page_etag("hub", event.id, last_seq, timely)
    if caching.not_modified(etag, None):
        return caching.unchanged(etag, None, replayable=True)
    groups = queries.blogs_by_status(event)
    body = render_template(
        "readers/hub.html",
        event=event,
        state={**state, "now": now.isoformat()},
        last_seq=last_seq,
        groups=groups,
        keys={b.id: queries.key_entries(b, limit=3) for b in event.blogs},
        on_now=on_now,
        up_next=up_next,
        now=now,
        BlogStatus=BlogStatus,
        hub_page=hub_page,
    )
    return caching.conditional(body, etag, None, replayable=True)


@bp.app_template_global()
def blog_url(blog: LiveBlog, **args) -> str:
    """A blog page's URL with query arguments (None values dropped)."""
    args = {k: v for k, v in args.items() if v is not None}
    return url_for("readers.blog_page", event_slug=blog.event.slug, blog_slug=blog.slug, **args)


bp.add_app_template_filter(excerpt, "excerpt")


@bp.app_template_global()
def embed_player(card: dict) -> players.Player | None:
    """The click-to-load player of a link card, if its provider and id are ones we can build."""
    url = card.get("url") if isinstance(card, dict) else None
    if not isinstance(url, str):
        return None
    return players.player_for(url, current_app.config["EMBED_MASTODON_HOSTS"])


@bp.app_template_global()
def around_url(entry, **args) -> str:
    """The blog page URL that shows entry in its place, scrolled to it."""
    return blog_url(entry.blog, around=entry.id, **args) + f"#entry-{entry.id}"


@bp.get("/e/<event_slug>/<blog_slug>/")
def blog_page(event_slug: str, blog_slug: str):
    """A live blog rendered on the server, then kept live by the page's script.

    The page is exact at the seq it carries: the script follows the change
    stream from that seq, so a cached copy (304) is never behind for long.
    """
    blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    use_event_locale(blog.event.locale)
    # Read the cursor before the entries: a change committed in between is
    # then replayed (and applied idempotently by the client), never missed.
    last_seq = blog.last_seq
    event = blog.event  # its cover is the page's og:image when the blog has no photo
    etag = caching.page_etag(
        "blog", blog.id, last_seq, blog.status, blog.title, event.name, event.cover_media_id
    )
    modified = timeline.last_change_at(blog)
    if caching.not_modified(etag, modified):
        return caching.unchanged(etag, modified, replayable=True)
    view = _blog_view(blog)
    if request.args.get("fragment") == "1":
        body: Response | str = jsonify(_fragment(blog, view))
    else:
        body = render_template("readers/blog.html", last_seq=last_seq, **view)
    return caching.conditional(body, etag, modified, replayable=True)


def _blog_view(blog: LiveBlog) -> dict:
    """Everything the blog template needs for the page the URL asks for."""
    filters = Filters.from_args(request.args)
    order, page = _page_for(blog, filters)
    pinned = timeline.pinned(blog, filters) if page.at_head else None
    if pinned is not None:
        page.entries = [e for e in page.entries if e.id != pinned.id]
        page.ids.add(pinned.id)
    keys = timeline.key_entries(blog)
    image = images.blog_image(blog)
    return {
        "blog": blog,
        "event": blog.event,
        "page": page,
        "pinned": pinned,
        "order": order,
        "filters": filters,
        "options": timeline.filter_options(blog),
        "key_entries": [(e, _key_href(e, page)) for e in keys],
        "next_url": _next_url(blog, page, filters),
        "og_image": image,
        "ld": jsonld.live_blog(blog, page.entries if page.at_head else [], image),
    }


def _page_for(blog: LiveBlog, filters: Filters):
    """Read ?order=, ?before=, ?after= and ?around= into an order and a page."""
    order = request.args.get("order")
    if order not in (ORDER_NEWEST, ORDER_OLDEST):
        order = blog.default_order
    for arg, forced in (("before", ORDER_NEWEST), ("after", ORDER_OLDEST)):
        if request.args.get(arg) is not None:
            cursor = _cursor_entry(blog, arg)
            return forced, timeline.page(blog, forced, filters, cursor=cursor)
    if request.args.get("around") is not None:
        target = _cursor_entry(blog, "around")
        return order, timeline.around(blog, order, filters, target)
    return order, timeline.page(blog, order, filters)


def _cursor_entry(blog: LiveBlog, arg: str):
    """The entry named by a cursor argument: it must be a published entry of this blog."""
    entry_id = timeline.id_arg(request.args.get(arg))
    entry = queries.entry_by_id(entry_id) if entry_id else None
    if entry is None or entry.blog_id != blog.id or entry.published_at is None:
        abort(404)
    return entry


def _next_url(blog: LiveBlog, page, filters: Filters) -> str | None:
    if page.next_cursor is None:
        return None
    arg = "before" if page.order == ORDER_NEWEST else "after"
    return blog_url(blog, **{arg: page.next_cursor}, **filters.args())


def _key_href(entry, page) -> str:
    """Jump within the page when the entry is on it; otherwise open the page around it."""
    return f"#entry-{entry.id}" if entry.id in page.ids else around_url(entry)


def _fragment(blog: LiveBlog, view: dict) -> dict:
    """The next page's entries as HTML, for the script's "load older" without a reload."""
    html = render_template("readers/_entries.html", entries=view["page"].entries, blog=blog)
    return {"html": html, "next": view["next_url"]}


@bp.get("/e/<event_slug>/<blog_slug>/entries/<int:entry_id>")
def entry_page(event_slug: str, blog_slug: str, entry_id: int):
    """One entry's permalink page, with share links and the way back to its place."""
    blog = queries.blog_by_slugs(event_slug, blog_slug) or abort(404)
    use_event_locale(blog.event.locale)
    entry = queries.entry_by_id(entry_id)
    if entry is None or entry.blog_id != blog.id or entry.status != EntryStatus.PUBLISHED:
        abort(404 if entry is None or entry.status != EntryStatus.RETRACTED else 410)
    etag = caching.page_etag("entry", entry.id, entry.version, entry.is_key, entry.is_pinned)
    if caching.not_modified(etag, entry.updated_at):
        return caching.unchanged(etag, entry.updated_at)
    body = render_template(
        "readers/entry.html",
        blog=blog,
        event=blog.event,
        entry=entry,
        back_url=around_url(entry),
        og_image=images.photo_image(entry.media),
        permalink=url_for(
            "readers.entry_page",
            _external=True,
            event_slug=event_slug,
            blog_slug=blog_slug,
            entry_id=entry_id,
        ),
    )
    return caching.conditional(body, etag, entry.updated_at)
