"""An event's speaker roster: add a speaker (the event's people), edit one, rename an organisation.

Organisations are named on speakers and made on first use; each belongs to one
event. Editing the roster changes what pages show from then on; entries already
delivered to open pages keep the attribution they were sent with.
"""

from __future__ import annotations

from sqlalchemy import select

from blog.actions.load import load_actor, load_event
from blog.actions.stream import audit, write_action
from blog.content.permissions import can_curate, is_member
from blog.content.rendering import clean_field
from blog.models import Event, Organization, Speaker, User
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid, NotFound

NAME_CHARS = 160
TITLE_CHARS = 200


def _fields(name: str, title: str, organization: str) -> tuple[str, str, str]:
    return (
        clean_field(name, "A speaker's name", NAME_CHARS, "name", required=True),
        clean_field(title, "A speaker's title", TITLE_CHARS, "title"),
        clean_field(organization, "The organisation", NAME_CHARS, "organization"),
    )


@write_action
def add_speaker(
    event: Event, name: str, title: str = "", organization: str = "", actor: User | None = None
) -> Speaker:
    """Add a speaker to the event's roster, creating the organisation if new.

    An acting account must be one of the event's people (editors everywhere);
    without one (the command line) the roster is the operator's.
    """
    name, title, organization = _fields(name, title, organization)
    db.begin_write()
    if actor is not None:
        actor = load_actor(actor)
        if not is_member(actor, load_event(event.id)):
            raise Forbidden("You are not assigned to this event.")
    speaker = Speaker(event_id=event.id, name=name, title=title)
    if organization:
        speaker.organization = _organization(event.id, organization)
    db.session.add(speaker)
    db.session.flush()
    audit(actor, "speaker.create", "speaker", speaker.id, event.id)
    db.session.commit()
    return speaker


def _organization(event_id: int, name: str) -> Organization:
    stmt = select(Organization).where(Organization.event_id == event_id, Organization.name == name)
    org = db.session.scalar(stmt)
    if org is None:
        org = Organization(event_id=event_id, name=name)
        db.session.add(org)
    return org


def _curated(user: User, event_id: int) -> User:
    actor = load_actor(user)
    if not can_curate(actor, load_event(event_id)):
        raise Forbidden("Only the event's editors can change its roster.")
    return actor


@write_action
def edit_speaker(
    user: User, speaker_id: int, name: str, title: str = "", organization: str = ""
) -> Speaker:
    """Change a speaker's name, title or organisation (editors); a new organisation is made."""
    name, title, organization = _fields(name, title, organization)
    db.begin_write()
    speaker = db.session.get(Speaker, speaker_id, populate_existing=True)
    if speaker is None:
        raise NotFound("No such speaker.")
    actor = _curated(user, speaker.event_id)
    org = _organization(speaker.event_id, organization) if organization else None
    wanted = {"name": name, "title": title, "organization": org}
    changed = [k for k, v in wanted.items() if getattr(speaker, k) != v]
    speaker.name, speaker.title, speaker.organization = name, title, org
    if changed:
        db.session.flush()
        audit(actor, "speaker.edit", "speaker", speaker.id, speaker.event_id, fields=changed)
    db.session.commit()
    return speaker


@write_action
def rename_organization(user: User, organization_id: int, name: str) -> Organization:
    """Rename an organisation of the roster (editors): every speaker of it shows the new name."""
    name = clean_field(name, "The organisation", NAME_CHARS, "name", required=True)
    db.begin_write()
    org = db.session.get(Organization, organization_id, populate_existing=True)
    if org is None:
        raise NotFound("No such organisation.")
    actor = _curated(user, org.event_id)
    if name == org.name:
        db.session.commit()
        return org
    taken = select(Organization.id).where(
        Organization.event_id == org.event_id, Organization.name == name
    )
    if db.session.scalar(taken) is not None:
        message = f"This event already has an organisation named {name!r}."
        raise Invalid(message, {"name": message})
    audit(actor, "organization.rename", "organization", org.id, org.event_id, old=org.name)
    org.name = name
    db.session.commit()
    return org
