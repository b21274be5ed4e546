"""API tokens: made with a name, an optional event scope and a lifetime; revoked at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from blog.actions.load import load_actor
from blog.actions.stream import audit, write_action
from blog.content.permissions import can_revoke_token, is_member
from blog.content.rendering import clean_text
from blog.models import ApiToken, Event, User
from blog.platform import clock, db
from blog.platform.errors import Forbidden, Invalid, NotFound

TOKEN_PREFIX = "sf_"
# 32 bytes = 256 random bits, well past the 128 an unguessable bearer secret needs.
TOKEN_BYTES = 32
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 366
MAX_NAME_CHARS = 120


def hash_token(token: str) -> str:
    """The stored form of an API token: its SHA-256 (tokens carry 256 random bits)."""
    # A fast hash is enough: with 256 random bits there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def default_lifetime_days() -> int:
    """Days a new token lives unless its maker chooses otherwise (API_TOKEN_DAYS)."""
    if not has_app_context():
        return DEFAULT_LIFETIME_DAYS
    return int(current_app.config.get("API_TOKEN_DAYS") or DEFAULT_LIFETIME_DAYS)


def expiry_of(token: ApiToken) -> datetime:
    """When the token stops working.

    Tokens made before lifetimes were enforced have no expires_at; they live
    the default lifetime from their creation, like any new token.
    """
    if token.expires_at is not None:
        return token.expires_at
    return token.created_at + timedelta(days=default_lifetime_days())


# Every use of a token reads its account next: one query for both. Built once,
# as are the other statements of every post: building one costs more than
# SQLAlchemy's compiled cache saves (about 0.1 ms a statement).
_TOKEN_BY_HASH = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_by_secret(token: str) -> ApiToken | None:
    """The token row a presented secret belongs to, if any."""
    return db.session.scalar(_TOKEN_BY_HASH, {"token_hash": hash_token(token)})


@write_action
def create_api_token(
    user: User, name: str, event_id: int | None = None, days: int | None = None
) -> str:
    """Make a bearer token for the user; only its hash is stored, so show it once."""
    name = _check_name(name)
    days = _check_days(days)
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    db.begin_write()
    owner = load_actor(user)
    _check_scope(owner, event_id)
    now = clock.now()
    row = ApiToken(
        user_id=owner.id,
        event_id=event_id,
        name=name,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit(owner, "token.create", "api_token", row.id, event_id, name=name, days=days)
    db.session.commit()
    return token


def _check_name(name: str) -> str:
    name = " ".join(clean_text(name if isinstance(name, str) else "").split())
    if not name or len(name) > MAX_NAME_CHARS:
        message = f"Name the token (1 to {MAX_NAME_CHARS} characters), e.g. 'newsroom bridge'."
        raise Invalid(message, {"name": "missing or too long"})
    return name


def _check_days(days: int | None) -> int:
    if days is None:
        return default_lifetime_days()
    if type(days) is not int or not 1 <= days <= MAX_LIFETIME_DAYS:
        message = f"A token lives 1 to {MAX_LIFETIME_DAYS} days; choose a lifetime in that range."
        raise Invalid(message, {"days": "out of range"})
    return days


def _check_scope(owner: User, event_id: int | None) -> None:
    if event_id is None:
        return
    event = db.session.get(Event, event_id)
    if event is None or not is_member(owner, event):
        message = "A token can only be limited to an event you work on; choose one of yours."
        raise Invalid(message, {"event_id": "not one of your events"})


@write_action
def revoke_api_token(actor: User, token_id: int) -> ApiToken:
    """Revoke a token: it is refused from the next request on, for good."""
    db.begin_write()
    actor = load_actor(actor)
    token = db.session.get(ApiToken, token_id, populate_existing=True)
    if token is None:
        raise NotFound("No such API token.")
    if not can_revoke_token(actor, token):
        raise Forbidden("You may revoke your own tokens, or those of people you manage.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit(actor, "token.revoke", "api_token", token.id, token.event_id, owner=token.user_id)
    db.session.commit()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they show as revoked)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
