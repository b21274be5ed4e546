"""A demo show: a live and an ended blog with a few dozen entries, a scheduled one, a roster."""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from blog import actions
from blog.content import queries
from blog.models import BlogStatus, Role, User
from blog.platform import db
from blog.platform.passwords import hash_password

EVENT_SLUG = "mfc-2027"
REPORTER = "reporter@showfloor.test"
EDITOR = "editor@showfloor.test"

# The demo's roster and entries, written for Showfloor (no real event's text).
DEMO = json.loads((Path(__file__).parent / "demo.json").read_text(encoding="utf-8"))


def _reset_login(email: str, name: str, role: Role) -> str:
    """Create or reset a demo account with a fresh random password; return the password."""
    password = secrets.token_urlsafe(9)
    user = queries.user_by_email(email)
    if user is None:
        actions.create_user(email, name, password, role)
        return password
    db.begin_write()
    db.session.get_one(User, user.id).password_hash = hash_password(password)
    db.session.commit()
    return password


def _post_all(user: User, blog_id: int, entries: list, speakers: list) -> list:
    posted = []
    for n, item in enumerate(entries):
        speaker = item.get("speaker")
        data = actions.EntryInput(
            kind=item.get("kind", "text"),
            source=item["text"],
            headline=item.get("headline", ""),
            speaker_id=speakers[speaker].id if speaker is not None else None,
            tags=item.get("tags", ""),
            is_key=item.get("key", False),
        )
        entry, _ = actions.post_entry(user, blog_id, data, f"demo-{blog_id}-{n:04d}")
        posted.append(entry)
    return posted


def load_demo() -> None:
    """Create the demo event once; later runs leave it as it is."""
    if queries.event_by_slug(EVENT_SLUG):
        return
    event = actions.create_event(
        EVENT_SLUG,
        "Mobile Frontier Congress 2027",
        date(2027, 3, 1),
        date(2027, 3, 4),
        "Europe/Madrid",
        # A show in Europe: English with the 24-hour clock; Spanish readers get Spanish.
        locale="en_GB",
        venue="Fira Gran Via",
        city="Barcelona",
        description="Four days of networks, devices and policy on the show floor.",
    )
    editor = queries.user_by_email(EDITOR)
    if editor is None:
        raise click.ClickException(f"The demo needs its editor {EDITOR}: run `flask demo`.")
    speakers = [actions.add_speaker(event, *s) for s in DEMO["speakers"]]
    press = actions.create_blog(event, "aurora-press", "Day 0: Aurora Devices press conference")
    keynote = actions.create_blog(event, "opening-keynote", "Opening keynote: networks that heal")
    actions.create_blog(event, "hall-3-walk", "Hall 3 floor walk")
    actions.set_blog_status(editor, press.id, BlogStatus.LIVE)
    _post_all(editor, press.id, DEMO["blogs"]["aurora-press"], speakers)
    actions.set_blog_status(editor, press.id, BlogStatus.ENDED)
    actions.set_blog_status(editor, keynote.id, BlogStatus.LIVE)
    posted = _post_all(editor, keynote.id, DEMO["blogs"]["opening-keynote"], speakers)
    actions.pin_entry(editor, posted[0].id)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo event and print fresh logins for its reporter and editor."""
    editor_password = _reset_login(EDITOR, "Elena Editor", Role.EDITOR)
    reporter_password = _reset_login(REPORTER, "Rafael Reporter", Role.REPORTER)
    load_demo()
    actions.assign_user(queries.user_by_email(REPORTER), queries.event_by_slug(EVENT_SLUG))
    click.echo(f"Demo event: /e/{EVENT_SLUG}/")
    click.echo(f"Reporter login: {REPORTER} / {reporter_password}")
    click.echo(f"Editor login:   {EDITOR} / {editor_password}")
