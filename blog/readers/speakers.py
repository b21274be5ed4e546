"""Readers' pages for an event's roster: every speaker, and each speaker's quotes."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import func, select

from blog.content import queries
from blog.models import Entry, EntryKind, EntryStatus, LiveBlog, Speaker
from blog.platform import db
from blog.platform.i18n import use_event_locale
from blog.readers import bp


@bp.get("/e/<event_slug>/speakers/")
def roster(event_slug: str):
    """The event's speakers with how many of their quotes were published."""
    event = queries.event_by_slug(event_slug) or abort(404)
    use_event_locale(event.locale)
    speakers = queries.speakers_of(event)
    counts = _quote_counts(event.id)
    return render_template("readers/roster.html", event=event, speakers=speakers, counts=counts)


@bp.get("/e/<event_slug>/speakers/<int:speaker_id>")
def speaker(event_slug: str, speaker_id: int):
    """One speaker's published quotes across all the event's blogs, newest first."""
    event = queries.event_by_slug(event_slug) or abort(404)
    use_event_locale(event.locale)
    person = db.session.get(Speaker, speaker_id)
    if person is None or person.event_id != event.id:
        abort(404)
    stmt = (
        select(Entry)
        .where(Entry.speaker_id == person.id, Entry.status == EntryStatus.PUBLISHED)
        .order_by(Entry.published_at.desc(), Entry.id.desc())
    )
    quotes = list(db.session.scalars(stmt))
    return render_template("readers/speaker.html", event=event, speaker=person, quotes=quotes)


def _quote_counts(event_id: int) -> dict[int, int]:
    stmt = (
        select(Entry.speaker_id, func.count())
        .join(LiveBlog, LiveBlog.id == Entry.blog_id)
        .where(
            LiveBlog.event_id == event_id,
            Entry.kind == EntryKind.QUOTE,
            Entry.status == EntryStatus.PUBLISHED,
        )
        .group_by(Entry.speaker_id)
    )
    return {speaker_id: n for speaker_id, n in db.session.execute(stmt) if speaker_id is not None}
