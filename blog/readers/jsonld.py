"""schema.org structured data: a live blog as a LiveBlogPosting with its liveBlogUpdate items.

Shaped for Google's live-blog result: coverageStartTime and coverageEndTime (the
planned end while the blog is live), a headline, and updates with headline,
datePublished and articleBody. The page writes it with Jinja's tojson, which
escapes "<", ">" and "&", so no text in it can close the script element.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from blog.content.plaintext import plain_text
from blog.models import BlogStatus, Entry, LiveBlog, Speaker
from blog.readers import images

UPDATES = 20
HEADLINE_CHARS = 110


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


def image_object(image: dict) -> dict:
    """A photo from images.photo_image as a schema.org ImageObject."""
    found = {
        "@type": "ImageObject",
        "contentUrl": image["url"],
        "url": image["url"],
        "width": image["width"],
        "height": image["height"],
        "description": image["alt"],
    }
    if image["caption"]:
        found["caption"] = image["caption"]
    return found


def speaker_person(speaker: Speaker) -> dict:
    """A roster speaker as a Person, with their title and organisation when known."""
    person: dict[str, Any] = {"@type": "Person", "name": speaker.name}
    if speaker.title:
        person["jobTitle"] = speaker.title
    if speaker.organization is not None:
        person["worksFor"] = {"@type": "Organization", "name": speaker.organization.name}
    return person


def _headline(entry: Entry, body: str) -> str:
    if entry.headline:
        return entry.headline[:HEADLINE_CHARS]
    text = body or (entry.embed or {}).get("title") or _("Update")
    if entry.speaker is not None:
        text = f"{entry.speaker.name}: “{text}”"
    return text[:HEADLINE_CHARS]


def update(entry: Entry) -> dict:
    """One entry as a BlogPosting inside the live blog: its author, photo, quote or shared link."""
    body = plain_text(entry.html)
    item: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": _headline(entry, body),
        "articleBody": body or _headline(entry, body),
        "datePublished": _iso(entry.published_at),
        "dateModified": _iso(entry.updated_at),
        "url": _entry_url(entry),
        "author": _people(entry),
    }
    if entry.tags:
        item["keywords"] = [t.name for t in entry.tags]
    image = images.photo_image(entry.media)
    if image is not None:
        item["image"] = image_object(image)
    if entry.speaker is not None:
        quote = {"@type": "Quotation", "text": body, "creator": speaker_person(entry.speaker)}
        item["hasPart"] = quote
    if entry.embed:
        shared = {"@type": "WebPage", "url": entry.embed["url"]}
        if entry.embed.get("title"):
            shared["name"] = entry.embed["title"]
        item["sharedContent"] = shared
    return item


def _people(entry: Entry) -> dict | list[dict]:
    # One Person as before for a single author; a list when co-authors share the byline.
    people = [{"@type": "Person", "name": u.name} for u in entry.authors]
    return people[0] if len(people) == 1 else people


def publisher() -> dict:
    """Who publishes the coverage: the site, by the name its operator configured."""
    return {
        "@type": "Organization",
        "name": current_app.config.get("PUBLISHER_NAME") or "Showfloor",
        "url": url_for("readers.index", _external=True),
    }


def coverage_end(blog: LiveBlog) -> datetime:
    """When coverage ends: its end once ended, else its session's end, else the event's."""
    if blog.status == BlogStatus.ENDED and blog.ended_at:
        return blog.ended_at
    if blog.session is not None:
        return blog.session.ends_at
    event = blog.event
    return datetime.combine(event.ends_on + timedelta(days=1), time(0), tzinfo=event.tz)


def live_blog(blog: LiveBlog, entries: list[Entry], image: dict | None = None) -> dict:
    """The blog as a LiveBlogPosting with its newest updates and the image it is shared with."""
    event = blog.event
    url = url_for("readers.blog_page", event_slug=event.slug, blog_slug=blog.slug, _external=True)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": blog.title[:HEADLINE_CHARS],
        "description": blog.description or _("Live coverage of %(event)s", event=event.name),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": _iso(blog.started_at or blog.created_at),
        "dateModified": _iso(max((e.updated_at for e in entries), default=blog.created_at)),
        "coverageStartTime": _iso(blog.started_at or blog.starts_at or blog.created_at),
        "coverageEndTime": _iso(coverage_end(blog)),
        "publisher": publisher(),
        "about": _event(blog),
        "liveBlogUpdate": [update(e) for e in entries[:UPDATES]],
    }
    if image is not None:
        data["image"] = image_object(image)
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
