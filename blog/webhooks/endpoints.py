"""Editors' webhook use cases: register, change, pause, rotate, remove, redeliver; all audited.

Each loads the endpoint within its event and checks the editor's right there,
so an id of another event's endpoint is refused, not obeyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from blog.actions.load import load_actor
from blog.actions.stream import audit, write_action
from blog.content.permissions import can_curate
from blog.content.rendering import clean_field
from blog.live import payloads
from blog.models import (
    Event,
    LiveBlog,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookStream,
)
from blog.platform import clock, db
from blog.platform.errors import Forbidden, Invalid, NotFound
from blog.webhooks import guard, signing

# A retraction is a takedown: whoever received an entry's text must hear of it,
# so it is delivered whatever types an endpoint chose.
ALWAYS = (payloads.ENTRY_RETRACTED,)
CHOOSABLE = payloads.CHANGE_TYPES
MAX_PER_EVENT = 10
# How long a rotated-out secret still signs, so receivers can switch over.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointInput:
    """What an editor sets on an endpoint; None leaves a field as it is."""

    url: object = None
    change_types: object = None
    description: object = None
    paused: object = None


def check_types(raw: object) -> list[str]:
    """The chosen change types, in the stream's order, retraction always among them."""
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise Invalid("change_types must be a list of change type names.", _types_field())
    unknown = sorted(set(raw) - set(CHOOSABLE))
    if unknown:
        raise Invalid(f"Unknown change types: {', '.join(unknown)}.", _types_field())
    if not raw:
        raise Invalid("Choose at least one change type to deliver.", _types_field())
    chosen = set(raw) | set(ALWAYS)
    return [t for t in CHOOSABLE if t in chosen]


def _types_field() -> dict[str, str]:
    return {"change_types": f"a list of: {', '.join(CHOOSABLE)}"}


def _check_url(raw: object) -> str:
    guard.check_url(raw, guard.allowlist())
    return str(raw).strip()


def _check_description(raw: object) -> str:
    if not isinstance(raw, str):
        raise Invalid("description must be a string.", {"description": "not a string"})
    return clean_field(raw, "The description", 200, "description")


def _curated(actor: User, event: Event) -> None:
    if not can_curate(actor, event):
        raise Forbidden("Only editors can manage an event's webhooks.")


@write_action
def create_endpoint(user: User, event_id: int, data: EndpointInput) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for an event; returns it and its secret, shown this once."""
    db.begin_write()
    actor = load_actor(user)
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    _curated(actor, event)
    count = select(func.count()).where(WebhookEndpoint.event_id == event.id)
    if (db.session.scalar(count) or 0) >= MAX_PER_EVENT:
        raise Invalid(f"An event has at most {MAX_PER_EVENT} webhooks; remove one first.")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        event_id=event.id,
        url=_check_url(data.url),
        change_types=check_types(data.change_types if data.change_types is not None else []),
        description=_check_description(data.description or ""),
        secret=secret,
        created_by_id=actor.id,
        created_at=clock.now(),
        paused_at=clock.now() if data.paused is True else None,
        pause_reason="Paused by an editor." if data.paused is True else "",
    )
    db.session.add(endpoint)
    db.session.flush()
    _start_streams(endpoint)
    audit(actor, "webhook.create", "webhook", endpoint.id, event.id, url=endpoint.url)
    db.session.commit()
    return endpoint, secret


def _start_streams(endpoint: WebhookEndpoint) -> None:
    """Follow each existing blog from its head: a new endpoint gets what happens from now on."""
    blogs = db.session.execute(
        select(LiveBlog.id, LiveBlog.last_seq).where(LiveBlog.event_id == endpoint.event_id)
    )
    for blog_id, last_seq in blogs:
        stream = WebhookStream(endpoint_id=endpoint.id, blog_id=blog_id, planned_seq=last_seq)
        db.session.add(stream)


def load_endpoint(actor: User, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, fresh, if this editor may manage it (404 or 403 otherwise)."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    if endpoint is None:
        raise NotFound("No such webhook.")
    _curated(actor, endpoint.event)
    return endpoint


@write_action
def update_endpoint(user: User, endpoint_id: int, data: EndpointInput) -> WebhookEndpoint:
    """Change an endpoint's URL, types or description, or pause and resume it."""
    db.begin_write()
    actor = load_actor(user)
    endpoint = load_endpoint(actor, endpoint_id)
    if data.url is not None:
        endpoint.url = _check_url(data.url)
    if data.change_types is not None:
        endpoint.change_types = check_types(data.change_types)
    if data.description is not None:
        endpoint.description = _check_description(data.description)
    if data.paused is not None:
        _set_paused(endpoint, data.paused)
    audit(actor, "webhook.update", "webhook", endpoint.id, endpoint.event_id)
    db.session.commit()
    return endpoint


def _set_paused(endpoint: WebhookEndpoint, paused: object) -> None:
    if not isinstance(paused, bool):
        raise Invalid("paused must be true or false.", {"paused": "not a boolean"})
    if paused and endpoint.paused_at is None:
        endpoint.paused_at, endpoint.pause_reason = clock.now(), "Paused by an editor."
    elif not paused and endpoint.paused_at is not None:
        # Resuming starts a fresh count of failing days and retries what waits now.
        endpoint.paused_at, endpoint.pause_reason, endpoint.failing_since = None, "", None
        _due_now(endpoint.id)


def _due_now(endpoint_id: int) -> None:
    now = clock.now()
    streams = update(WebhookStream).where(WebhookStream.endpoint_id == endpoint_id)
    db.session.execute(streams.values(next_due_at=now))
    waiting = update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.delivered_at.is_(None)
    )
    db.session.execute(waiting.values(next_attempt_at=now))


@write_action
def rotate_secret(user: User, endpoint_id: int, keep_previous: bool = True) -> str:
    """A new secret for the endpoint, shown once; the old one signs a day more unless not kept."""
    if not isinstance(keep_previous, bool):
        raise Invalid("keep_previous must be true or false.", {"keep_previous": "not a boolean"})
    db.begin_write()
    actor = load_actor(user)
    endpoint = load_endpoint(actor, endpoint_id)
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret if keep_previous else None
    endpoint.previous_until = clock.now() + ROTATION_OVERLAP if keep_previous else None
    endpoint.secret = secret
    audit(actor, "webhook.rotate", "webhook", endpoint.id, endpoint.event_id, kept=keep_previous)
    db.session.commit()
    return secret


@write_action
def delete_endpoint(user: User, endpoint_id: int) -> None:
    """Remove an endpoint with its delivery log; nothing more is sent to it."""
    db.begin_write()
    actor = load_actor(user)
    endpoint = load_endpoint(actor, endpoint_id)
    audit(actor, "webhook.delete", "webhook", endpoint.id, endpoint.event_id, url=endpoint.url)
    db.session.delete(endpoint)
    db.session.commit()


@write_action
def redeliver(user: User, delivery_id: int, endpoint_id: int | None = None) -> WebhookDelivery:
    """Ask the worker to send a delivery again, at once and out of turn, with the same id.

    endpoint_id, when given (the page's endpoint), must be the delivery's own.
    """
    db.begin_write()
    actor = load_actor(user)
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None or endpoint_id not in (None, delivery.endpoint_id):
        raise NotFound("No such delivery.")
    endpoint = load_endpoint(actor, delivery.endpoint_id)
    if endpoint.paused_at is not None:
        raise Invalid("This webhook is paused; resume it first, then redeliver.")
    delivery.redeliver_at = clock.now()
    stream = db.session.scalar(
        select(WebhookStream).where(
            WebhookStream.endpoint_id == endpoint.id, WebhookStream.blog_id == delivery.blog_id
        )
    )
    if stream is not None:
        stream.next_due_at = clock.now()
    audit(
        actor, "webhook.redeliver", "webhook", endpoint.id, endpoint.event_id, delivery=delivery.id
    )
    db.session.commit()
    return delivery
