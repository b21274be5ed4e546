"""People and roles: invite, set a password by link, assign to events, change roles, deactivate."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from blog.actions.accounts import USER_NAME_CHARS, check_password_rules
from blog.actions.load import load_actor
from blog.actions.stream import audit, write_action
from blog.content.permissions import can_assign, can_change_role, can_grant_role, can_manage_account
from blog.content.rendering import clean_field
from blog.live import socket_auth
from blog.models import ApiToken, Event, Role, User
from blog.platform import db
from blog.platform.clock import utcnow
from blog.platform.errors import Forbidden, Invalid, NotFound
from blog.platform.passwords import hash_password

# A set-password link is shown to the editor, who hands it over; a week is
# enough to do that and short enough that a forgotten link goes stale.
PASSWORD_LINK_MAX_AGE_S = 7 * 24 * 3600
_LINK_SALT = "showfloor-set-password"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def _fingerprint(user: User) -> str:
    # Any password change or epoch bump changes this, so a link works once
    # and dies with a deactivation.
    raw = f"{user.id}:{user.password_hash}:{user.session_epoch}:{user.active}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def password_link_token(user: User) -> str:
    """A signed, one-time, expiring token that lets the user set their password."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_password_token(token: str) -> User | None:
    """The active account a set-password token was made for, if it is still valid."""
    try:
        data = _serializer().loads(token, max_age=PASSWORD_LINK_MAX_AGE_S)
    except BadSignature:
        return None
    user = db.session.get(User, data.get("u"), populate_existing=True)
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def _load_target(user_id: int) -> User:
    target = db.session.get(User, user_id, populate_existing=True)
    if target is None:
        raise NotFound("No such account.")
    return target


def _load_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    return event


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid("Give a valid email address.", {"email": "not an email address"})
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Invalid(f"An account for {email} already exists.", {"email": "already in use"})
    return email


def _role(value) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid("Choose a role: admin, editor, reporter or contributor.") from None


@write_action
def invite_user(actor: User, email: str, name: str, role, event_id: int | None = None):
    """Create an account without a usable password; return it and its set-password token."""
    role = _role(role)
    db.begin_write()
    actor = load_actor(actor)
    if not can_grant_role(actor, role):
        raise Forbidden(f"You may not create {role.value} accounts.")
    event = _load_event(event_id) if event_id else None
    name = clean_field(name, "The name", USER_NAME_CHARS, "name")
    user = User(email=_check_email(email), name=name, role=role)
    user.name = user.name or user.email
    # Nobody knows this password: the account is usable only once its owner
    # follows the set-password link.
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.active, user.session_epoch = True, 0
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.invite", "user", user.id, event.id if event else None, role=role.value)
    if event is not None:
        _assign(actor, user, event)
    db.session.commit()
    return user, password_link_token(user)


@write_action
def issue_password_link(actor: User, user_id: int) -> str:
    """A fresh set-password token for another account (a forgotten password, a lost invite)."""
    db.begin_write()
    actor = load_actor(actor)
    target = _load_target(user_id)
    if not can_manage_account(actor, target) or not target.active:
        raise Forbidden("You may not reset this account's password.")
    audit(actor, "user.password_link", "user", target.id, None)
    db.session.commit()
    return password_link_token(target)


@write_action
def set_password_with_token(token: str, password: str) -> User:
    """Set the password a link was issued for; the link and every open session then expire."""
    db.begin_write()
    user = user_for_password_token(token or "")
    if user is None:
        raise Invalid("This link has expired or was already used. Ask an editor for a new one.")
    check_password_rules(password or "", user.email, user.name)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    audit(user, "user.set_password", "user", user.id, None)
    db.session.commit()
    socket_auth.disconnect_user(user.id)
    return user


def _assign(actor: User, user: User, event: Event) -> None:
    if not can_assign(actor, user):
        raise Invalid("Only reporters and contributors are assigned; editors work everywhere.")
    if event not in user.events:
        user.events.append(event)
        audit(actor, "user.assign", "user", user.id, event.id)


@write_action
def assign_to_event(actor: User, user_id: int, event_id: int) -> User:
    """Let a reporter or contributor post to an event's blogs."""
    db.begin_write()
    actor = load_actor(actor)
    target, event = _load_target(user_id), _load_event(event_id)
    if not can_assign(actor, target):
        raise Forbidden("You may not assign this account.")
    _assign(actor, target, event)
    db.session.commit()
    return target


@write_action
def unassign_from_event(actor: User, user_id: int, event_id: int) -> User:
    """Take a reporter or contributor off an event; their rights there end at once."""
    db.begin_write()
    actor = load_actor(actor)
    target, event = _load_target(user_id), _load_event(event_id)
    if not can_assign(actor, target):
        raise Forbidden("You may not change this account's assignments.")
    if event in target.events:
        target.events.remove(event)
        audit(actor, "user.unassign", "user", target.id, event.id)
    db.session.commit()
    # Its sockets may sit in that event's desk rooms: they reconnect and rejoin
    # only what the account may still see.
    socket_auth.disconnect_user(target.id)
    return target


@write_action
def change_role(actor: User, user_id: int, role) -> User:
    """Give an account another role (admins only); its sessions and sockets must log in again."""
    role = _role(role)
    db.begin_write()
    actor = load_actor(actor)
    target = _load_target(user_id)
    if not can_change_role(actor, target):
        raise Forbidden("Only an admin may change roles, and not their own.")
    if target.role == role:
        db.session.commit()
        return target
    audit(actor, "user.role", "user", target.id, None, old=target.role.value, new=role.value)
    target.role = role
    target.session_epoch += 1
    db.session.commit()
    socket_auth.disconnect_user(target.id)
    return target


@write_action
def deactivate_user(actor: User, user_id: int) -> User:
    """Lock an account out: sessions, sockets and API tokens lose every right at once."""
    db.begin_write()
    actor = load_actor(actor)
    target = _load_target(user_id)
    if not can_manage_account(actor, target):
        raise Forbidden("You may not deactivate this account.")
    if not target.active:
        db.session.commit()
        return target
    target.active = False
    target.session_epoch += 1
    _revoke_tokens(target)
    audit(actor, "user.deactivate", "user", target.id, None)
    db.session.commit()
    socket_auth.disconnect_user(target.id)
    return target


def _revoke_tokens(user: User) -> None:
    # Revoked rather than merely refused while inactive: a token that leaked
    # must not come back to life when the account is reactivated.
    stmt = (
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.execute(stmt)


@write_action
def reactivate_user(actor: User, user_id: int) -> User:
    """Let a deactivated account log in again (with a new password link if needed)."""
    db.begin_write()
    actor = load_actor(actor)
    target = _load_target(user_id)
    if not can_manage_account(actor, target):
        raise Forbidden("You may not reactivate this account.")
    if not target.active:
        target.active = True
        audit(actor, "user.reactivate", "user", target.id, None)
    db.session.commit()
    return target


@write_action
def change_own_password(user: User, current: str, new: str) -> User:
    """Change one's own password; every other session and socket of the account ends."""
    db.begin_write()
    actor = load_actor(user)
    if not check_password_hash(actor.password_hash, current or ""):
        raise Invalid("Your current password is not right.", {"current": "wrong password"})
    check_password_rules(new or "", actor.email, actor.name)
    actor.password_hash = hash_password(new)
    actor.session_epoch += 1
    audit(actor, "user.change_password", "user", actor.id, None)
    db.session.commit()
    socket_auth.disconnect_user(actor.id)
    return actor
