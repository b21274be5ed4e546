"""The search page of an event: a plain GET form over the event's coverage."""

from __future__ import annotations

from flask import abort, render_template, request

from blog.content import queries
from blog.content.search import MAX_QUERY_CHARS, search
from blog.platform.i18n import use_event_locale
from blog.readers import bp


@bp.get("/e/<event_slug>/search")
def results(event_slug: str):
    """The search page of an event; works as a plain GET form."""
    event = queries.event_by_slug(event_slug) or abort(404)
    use_event_locale(event.locale)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
    hits = search(event, query) if query else []
    return render_template("readers/search.html", event=event, query=query, hits=hits)
