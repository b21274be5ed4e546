"""Accounts and event assignments (the speaker roster: roster.py; API tokens: tokens.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from zxcvbn import zxcvbn

from blog.actions.stream import audit, write_action
from blog.content.rendering import clean_field
from blog.live import socket_auth
from blog.models import Event, Role, User
from blog.platform import db
from blog.platform.errors import Invalid
from blog.platform.passwords import hash_password

MIN_PASSWORD_CHARS = 8
# The columns' widths: a longer name is refused, never cut.
USER_NAME_CHARS = 120
MAX_PASSWORD_CHARS = 256
# zxcvbn's cost grows with length and it refuses more than 72 characters; a
# longer passphrase is judged by its first 72, which no common password outgrows.
_JUDGED_CHARS = 72
# Score 2 means more than a million guesses: beyond a throttled online attack,
# while any passphrase of three or four ordinary words clears it easily.
MIN_STRENGTH = 2
# Words an attacker tries first against this site, besides the account's own.
SITE_WORDS = ("showfloor", "show floor", "liveblog", "live blog", "conference")


def check_password_rules(password: str, email: str = "", name: str = "") -> None:
    """Refuse passwords that are too short, absurdly long, or easy to guess for this account."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise Invalid(
            f"A password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters; "
            "a passphrase of several words is best."
        )
    verdict = zxcvbn(password[:_JUDGED_CHARS], user_inputs=_personal_words(email, name))
    if verdict["score"] < MIN_STRENGTH:
        raise Invalid(_weak_password_message(verdict["feedback"]), {"password": "too guessable"})


def _personal_words(email: str, name: str) -> list[str]:
    """The account's own email, name and their parts, and the site's name."""
    local = email.split("@", 1)[0]
    parts = re.split(r"[\s._+-]+", f"{local} {name}")
    return [w for w in (email, local, name, *parts, *SITE_WORDS) if len(w) > 2]


def _weak_password_message(feedback: Mapping[str, Any]) -> str:
    # zxcvbn names the common password or pattern it recognised; it stays silent
    # when the password is built from the account's own words or the site's name.
    why = (feedback.get("warning") or "").strip() or (
        "It is built from your name, your email, the site's name or a common pattern."
    )
    return (
        f"This password is too easy to guess. {why.rstrip('.')}. "
        "Choose a passphrase of three or four unrelated words."
    )


@write_action
def create_user(
    email: str, name: str, password: str, role: Role, actor: User | None = None
) -> User:
    """Create an account with a scrypt-hashed password; emails are unique."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise Invalid("Give a valid email address.")
    check_password_rules(password, email, name)
    db.begin_write()
    if db.session.scalar(select(User).where(User.email == email)):
        raise Invalid(f"An account for {email} already exists.")
    name = clean_field(name, "The name", USER_NAME_CHARS, "name")
    user = User(email=email, name=name or email, role=Role(role), active=True)
    user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.create", "user", user.id, None, role=user.role.value)
    db.session.commit()
    return user


@write_action
def end_sessions(user: User) -> None:
    """Log the account out everywhere: every browser session and open socket ends."""
    db.begin_write()
    user = db.session.get_one(User, user.id, populate_existing=True)
    # Sessions carry the epoch they began in (blog.desk.login.current_session_user);
    # sockets elsewhere re-check it on every privileged event.
    user.session_epoch += 1
    audit(user, "user.logout", "user", user.id, None)
    db.session.commit()
    socket_auth.disconnect_user(user.id)


@write_action
def assign_user(user: User, event: Event, actor: User | None = None) -> None:
    """Let a reporter or contributor post to the event's blogs."""
    db.begin_write()
    user = db.session.get_one(User, user.id)
    event = db.session.get_one(Event, event.id)
    if event not in user.events:
        user.events.append(event)
        audit(actor, "user.assign", "user", user.id, event.id)
    db.session.commit()
