"""How the API shows an event, its agenda, organisations, hub features, people and review queue."""

from __future__ import annotations

from datetime import date

from flask import url_for

from blog.api.representations import blog_json, entry_json, iso, speaker_json
from blog.content import hub, photos, queries
from blog.models import (
    AgendaSession,
    Entry,
    EntryStatus,
    Event,
    HubFeature,
    Media,
    Organization,
    PendingEdit,
    User,
)

UPCOMING, CURRENT, PAST = "upcoming", "current", "past"
EVENT_STATUSES = (UPCOMING, CURRENT, PAST)


def event_status(event: Event, today: date) -> str:
    """Whether the event's days are still ahead, include today, or are over."""
    if today < event.starts_on:
        return UPCOMING
    return CURRENT if today <= event.ends_on else PAST


def event_json(event: Event, today: date) -> dict:
    """An event as the API lists it."""
    return {
        **hub.event_fields(event),
        "status": event_status(event, today),
        "summary_html": event.summary_html,
        "cover": _cover(event),
        "last_seq": event.last_seq,
        "url": url_for("readers.hub", event_slug=event.slug),
    }


def _cover(event: Event) -> dict | None:
    photo = hub.reread(Media, event.cover_media_id) if event.cover_media_id else None
    return photos.media_json(photo) if photo is not None else None


def event_detail(event: Event, today: date) -> dict:
    """An event with its blogs, agenda and speaker roster."""
    return {
        **event_json(event, today),
        "blogs": [blog_json(b) for b in hub.blogs_of(event)],
        "agenda": [session_json(s) for s in hub.agenda_of(event)],
        "speakers": [speaker_json(s) for s in queries.speakers_of(event)],
    }


def session_json(session: AgendaSession) -> dict:
    """An agenda session with its speakers."""
    return {
        "id": session.id,
        "title": session.title,
        "stage": session.stage,
        "description": session.description,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "speakers": [speaker_json(s) for s in session.speakers],
    }


def organization_json(org: Organization) -> dict:
    """An organisation of the roster."""
    return {"id": org.id, "name": org.name}


def feature_json(feature: HubFeature) -> dict:
    """A hub feature; hidden while its entry is not published (readers do not see it)."""
    entry = queries.entry_by_id(feature.entry_id) if feature.entry_id else None
    return {
        "id": feature.id,
        "position": feature.position,
        "kind": "entry" if feature.entry_id else "blog",
        "blog_id": feature.blog_id,
        "entry_id": feature.entry_id,
        "lead": feature.is_lead,
        "hidden": entry is not None and entry.status != EntryStatus.PUBLISHED,
    }


def person_json(user: User) -> dict:
    """An account as an editor sees it on an event's list of people."""
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value}


def pending_entry_json(entry: Entry) -> dict:
    """A contributor's entry waiting for review; approve or return it with base_version."""
    return {"kind": "entry", "entry": entry_json(entry), "base_version": entry.version}


def pending_edit_json(edit: PendingEdit, entry: Entry) -> dict:
    """A contributor's edit of a published entry waiting for review (with edit_revision)."""
    return {
        "kind": "edit",
        "entry": entry_json(entry),
        "base_version": entry.version,
        "edit_revision": edit.revision,
        "edit": {
            "headline": edit.headline,
            "source": edit.source,
            "html": edit.html,
            "tags": list(edit.tag_names),
            "submitted_at": iso(edit.submitted_at),
        },
    }
