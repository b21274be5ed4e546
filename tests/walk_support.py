"""Walking the URL map: a seeded world, URLs filled from it, and a snapshot of every row.

The CSRF walk and the GET walk build every route's URL from URL_VALUES (converter
argument → a seeded value), so a new route is covered without touching the tests; a
route with an argument nobody seeded fails loudly, naming what to add.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from conftest import PASSWORD, login
from PIL import Image
from sqlalchemy import select
from webhook_support import seed_webhook
from werkzeug.routing import AnyConverter, Rule

from blog import actions
from blog.actions.people import password_link_token
from blog.models import ApiToken, BlogStatus, Role
from blog.platform import db

ROLES = ("admin", "editor", "reporter", "contributor")
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class World:
    """One event with a live blog and one of each object a URL can name, and its people."""

    users: dict
    url_values: dict


def seed_world(name: str = "walk", users: dict | None = None) -> World:
    """Create the event, blog, entries, roster, agenda, hub, batch, photo and people.

    Another world for the same people (users given) is an event they are not
    assigned to: the "other event" of an authorization check.
    """
    members = users is None
    users = users or {
        role: actions.create_user(f"{role}@{name}.test", role.title(), PASSWORD, Role(role))
        for role in ROLES
    }
    event = actions.create_event(
        f"{name}-show", f"{name.title()} Show", date(2027, 3, 1), date(2027, 3, 4), "Europe/Madrid"
    )
    for member in ("reporter", "contributor") if members else ():
        actions.assign_user(users[member], event)
    editor = users["editor"]
    blog = actions.create_blog(event, f"{name}-blog", f"{name.title()} blog")
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    entry, _ = actions.post_entry(
        editor, blog.id, actions.EntryInput(source="Seeded entry"), uuid.uuid4().hex
    )
    target = actions.create_user(f"target@{name}.test", "Target", PASSWORD, Role.REPORTER)
    values = {
        "event_id": event.id,
        "event_slug": event.slug,
        "blog_id": blog.id,
        "blog_slug": blog.slug,
        "entry_id": entry.id,
        "user_id": target.id,
        "speaker_id": actions.add_speaker(event, "Ada Walker", "CTO", "Walkers").id,
        "batch_id": actions.create_batch(editor, blog.id, "Launch").id,
        "feature_id": actions.feature_on_hub(editor, event.id, blog_id=blog.id).id,
        "session_id": _agenda_session(editor, event.id),
        "name": _photo_file(editor, event.id),
        "token": password_link_token(target),
        "token_id": _api_token(target),
        "filename": "css/app.css",
        # curate's entry flags take a free string; pin is one it knows.
        "what": "pin",
    }
    later = actions.EntryInput(source="After the webhook")
    values |= seed_webhook(
        editor, event, lambda: actions.post_entry(editor, blog.id, later, uuid.uuid4().hex)
    )
    return World(users=users, url_values=values)


def _agenda_session(editor, event_id: int) -> int:
    data = actions.SessionInput(
        title="Opening keynote", starts_at="2027-03-01T10:00", ends_at="2027-03-01T11:00"
    )
    return actions.save_session(editor, event_id, None, data).id


def _api_token(user) -> int:
    actions.create_api_token(user, "walk phone")
    return db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))


def _photo_file(editor, event_id: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, "JPEG")
    buf.seek(0)
    photo = actions.upload_media(editor, event_id, buf, "A red square")
    return photo.variants[0]["file"]


def url_for_rule(rule: Rule, values: dict) -> str:
    """The rule's URL with every argument filled from the seeded values; fail if one is unknown."""
    filled = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        if isinstance(converter, AnyConverter):
            filled[arg] = sorted(converter.items)[0]
        elif arg in values:
            filled[arg] = values[arg]
        else:
            pytest.fail(
                f"The walk cannot fill <{arg}> in {rule.rule} ({rule.endpoint}): "
                f"seed one and add it to url_values in tests/walk_support.py"
            )
    return rule.build(filled, append_unknown=False)[1]


def snapshot() -> dict:
    """Every row of every table, in primary-key order: any write shows as a difference."""
    db.session.commit()  # a fresh read, past whatever the last request committed
    rows = {}
    for table in db.Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        result = db.session.execute(select(table).order_by(*order))
        rows[table.name] = [tuple(_plain(v) for v in row) for row in result]
    db.session.commit()
    return rows


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def changed_tables(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ between two snapshots."""
    return sorted(name for name in before if before[name] != after.get(name))


def log_in_as(app, world: World, role: str):
    """A test client with a real logged-in session of the role (None: anonymous)."""
    client = app.test_client()
    if role != "anonymous":
        assert login(client, world.users[role]).status_code == 302
    return client
