"""API token authentication on /api routes: the Authorization header only, scoped and expiring.

Every /api request passes check_api_request first. A token in the query
string is refused (URLs end up in logs, proxies and browser history); a
token in the header is checked whenever one is sent, reads included, so a
client learns at once that its token is expired, revoked or out of scope.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import select, update

from blog.actions.tokens import TOKEN_PREFIX, expiry_of, token_by_secret
from blog.models import (
    AgendaSession,
    ApiToken,
    Entry,
    Event,
    LiveBlog,
    Organization,
    Speaker,
    WebhookDelivery,
    WebhookEndpoint,
)
from blog.platform import clock, db
from blog.platform.errors import ActionError, Forbidden

# Query parameters clients commonly use for credentials; any value starting
# like one of our tokens is caught too, whatever the parameter's name.
TOKEN_PARAMS = frozenset({"token", "access_token", "api_token", "api_key", "apikey", "auth"})
# last_used_at is written at most this often per token: a busy client costs one
# small write a minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Unauthorized(ActionError):
    """No valid bearer token was given."""

    status = 401


class TokenInUrl(ActionError):
    """A token was put in the URL, where logs and histories keep it."""

    status = 400


def check_api_request() -> None:
    """Refuse tokens in URLs; authenticate and scope-check a token sent in the header."""
    if not request.path.startswith("/api/"):
        return
    _refuse_token_in_url()
    g.api_token = None
    header = request.headers.get("Authorization", "")
    if not header or request.routing_exception is not None:
        return
    token = authenticate(header)
    g.api_token, g.user = token, token.user
    if token.event_id is not None:  # an unscoped token's object needs no event looked up
        check_scope(event_of_route(request.view_args or {}))


def token_required(view):
    """Refuse the request unless a valid `Authorization: Bearer` token came with it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("api_token") is None:
            raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
        return view(*args, **kwargs)

    return wrapper


def _refuse_token_in_url() -> None:
    for name, value in request.args.items(multi=True):
        if name.lower() in TOKEN_PARAMS or value.startswith(TOKEN_PREFIX):
            raise TokenInUrl(
                "API tokens are not accepted in the URL, where logs and browser history keep "
                "them: send the token in the header 'Authorization: Bearer <token>'. "
                "If that was a real token, revoke it and create a new one."
            )


def authenticate(header: str) -> ApiToken:
    """The live token an Authorization header carries, or a 401 saying what is wrong."""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    token = token_by_secret(secret.strip())
    if token is None:
        raise Unauthorized("This API token is not known: check it was copied whole.")
    if token.revoked_at is not None:
        raise Unauthorized("This API token was revoked; create a new one.")
    if not token.user.active:
        raise Unauthorized("This API token's account is deactivated.")
    expiry = expiry_of(token)
    if expiry <= clock.now():
        when = f"{expiry:%Y-%m-%d %H:%M} UTC"
        raise Unauthorized(f"This API token expired on {when}; create a new one.")
    _note_use(token)
    return token


def _note_use(token: ApiToken) -> None:
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token_id = token.id
    db.begin_write()
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    db.session.commit()


def check_scope(event_id: int | None) -> None:
    """Refuse an event-scoped token on an object of another event."""
    token = g.get("api_token")
    if token is None or token.event_id is None or event_id is None:
        return
    if event_id != token.event_id:
        raise Forbidden(
            f"This API token is limited to the event '{token.event.slug}'; "
            "it cannot be used on another event's blogs or entries."
        )


def event_of_route(view_args: dict) -> int | None:
    """The event the object named in the URL belongs to (None if the URL names none or no such).

    A route with an id this function does not know is refused to scoped
    tokens rather than let through: a new kind of id must be added here.
    """
    for name, value in view_args.items():
        if name in NAMES_NO_EVENT:
            continue
        if name not in _EVENT_OF:
            if g.api_token.event_id is not None:
                raise Forbidden("An event-scoped API token cannot be used on this route.")
            continue
        event_id = db.session.scalar(_EVENT_OF[name](value))
        if event_id is not None:
            return event_id
    return None


# URL parts that name no event's object (an account): the route's event_slug scopes it.
NAMES_NO_EVENT = frozenset({"who"})
_EVENT_OF = {
    "event_id": lambda v: select(Event.id).where(Event.id == v),
    "event_slug": lambda v: select(Event.id).where(Event.slug == v),
    "blog_id": lambda v: select(LiveBlog.event_id).where(LiveBlog.id == v),
    "entry_id": lambda v: (
        select(LiveBlog.event_id).join(Entry, Entry.blog_id == LiveBlog.id).where(Entry.id == v)
    ),
    "webhook_id": lambda v: select(WebhookEndpoint.event_id).where(WebhookEndpoint.id == v),
    "delivery_id": lambda v: (
        select(WebhookEndpoint.event_id)
        .join(WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(WebhookDelivery.id == v)
    ),
    "speaker_id": lambda v: select(Speaker.event_id).where(Speaker.id == v),
    "organization_id": lambda v: select(Organization.event_id).where(Organization.id == v),
    "session_id": lambda v: select(AgendaSession.event_id).where(AgendaSession.id == v),
}
