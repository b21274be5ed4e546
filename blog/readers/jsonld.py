"""schema.org structured data: a live blog as a LiveBlogPosting with its liveBlogUpdate items."""

from __future__ import annotations

from typing import Any

from flask import url_for

from blog.content.plaintext import plain_text
from blog.models import BlogStatus, Entry, LiveBlog

UPDATES = 20


def _iso(dt) -> str | None:
    return dt.isoformat() if dt else None


def _entry_url(entry: Entry) -> str:
    blog = entry.blog
    return url_for(
        "readers.entry_page",
        event_slug=blog.event.slug,
        blog_slug=blog.slug,
        entry_id=entry.id,
        _external=True,
    )


def update(entry: Entry) -> dict:
    """One entry as a BlogPosting inside the live blog."""
    body = plain_text(entry.html)
    item: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": (entry.headline or body)[:110],
        "articleBody": body,
        "datePublished": _iso(entry.published_at),
        "dateModified": _iso(entry.updated_at),
        "url": _entry_url(entry),
        "author": _people(entry),
    }
    if entry.tags:
        item["keywords"] = [t.name for t in entry.tags]
    return item


def _people(entry: Entry) -> dict | list[dict]:
    # One Person as before for a single author; a list when co-authors share the byline.
    people = [{"@type": "Person", "name": u.name} for u in entry.authors]
    return people[0] if len(people) == 1 else people


def live_blog(blog: LiveBlog, entries: list[Entry]) -> dict:
    """The blog as a LiveBlogPosting; coverageEndTime appears once the blog has ended."""
    event = blog.event
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": blog.title,
        "description": blog.description or f"Live coverage of {event.name}",
        "url": url_for(
            "readers.blog_page", event_slug=event.slug, blog_slug=blog.slug, _external=True
        ),
        "datePublished": _iso(blog.started_at or blog.created_at),
        "dateModified": _iso(max((e.updated_at for e in entries), default=blog.created_at)),
        "coverageStartTime": _iso(blog.started_at or blog.starts_at or blog.created_at),
        "about": _event(blog),
        "liveBlogUpdate": [update(e) for e in entries[:UPDATES]],
    }
    if blog.status == BlogStatus.ENDED and blog.ended_at:
        data["coverageEndTime"] = _iso(blog.ended_at)
    return data


def _event(blog: LiveBlog) -> dict:
    event = blog.event
    place = {"@type": "Place", "name": event.venue or event.city or event.name}
    if event.city:
        place["address"] = event.city
    return {
        "@type": "Event",
        "name": event.name,
        "startDate": event.starts_on.isoformat(),
        "endDate": event.ends_on.isoformat(),
        "location": place,
        "url": url_for("readers.hub", event_slug=event.slug, _external=True),
    }
