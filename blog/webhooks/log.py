"""Reading webhooks for editors: an event's endpoints, a delivery log with its last attempts."""

from __future__ import annotations

from sqlalchemy import select

from blog.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from blog.platform import db

PAGE = 50
ATTEMPTS_SHOWN = 5


def endpoints_of(event: Event) -> list[WebhookEndpoint]:
    """The event's endpoints, oldest first."""
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.event_id == event.id)
    return list(db.session.scalars(stmt.order_by(WebhookEndpoint.id)))


def paused_of(event: Event) -> list[WebhookEndpoint]:
    """The event's paused endpoints: the editor desk warns of them."""
    return [e for e in endpoints_of(event) if e.paused_at is not None]


def deliveries_of(endpoint_id: int, before: int | None = None) -> tuple[list, bool]:
    """A page of the endpoint's deliveries, newest first, and whether older ones exist."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    found = list(db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(PAGE + 1)))
    return found[:PAGE], len(found) > PAGE


def last_attempts(delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    """Each delivery's last few attempts, newest first."""
    shown: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return shown
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
    for attempt in db.session.scalars(stmt.order_by(WebhookAttempt.id.desc())):
        if len(shown[attempt.delivery_id]) < ATTEMPTS_SHOWN:
            shown[attempt.delivery_id].append(attempt)
    return shown


def state_of(delivery: WebhookDelivery) -> str:
    """'delivered', 'failing' (tried, no 2xx yet) or 'waiting' (not tried yet)."""
    if delivery.delivered_at is not None:
        return "delivered"
    return "failing" if delivery.attempts else "waiting"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def endpoint_json(endpoint: WebhookEndpoint) -> dict:
    """An endpoint as the API shows it: never its secret."""
    return {
        "id": endpoint.id,
        "event": endpoint.event.slug,
        "url": endpoint.url,
        "description": endpoint.description,
        "change_types": list(endpoint.change_types),
        "paused": endpoint.paused_at is not None,
        "paused_at": _iso(endpoint.paused_at),
        "pause_reason": endpoint.pause_reason,
        "failing_since": _iso(endpoint.failing_since),
        "last_success_at": _iso(endpoint.last_success_at),
        "previous_secret_until": _iso(endpoint.previous_secret and endpoint.previous_until),
        "created_at": _iso(endpoint.created_at),
    }


def attempt_json(attempt: WebhookAttempt) -> dict:
    """One attempt: when, how long, the answer's status or what went wrong."""
    return {
        "started_at": _iso(attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "status": attempt.status_code,
        "error": attempt.error,
        "manual": attempt.manual,
    }


def delivery_json(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict:
    """A delivery with its state and last attempts."""
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "blog_id": delivery.blog_id,
        "seq": delivery.seq,
        "type": delivery.change_type,
        "state": state_of(delivery),
        "attempts": delivery.attempts,
        "created_at": _iso(delivery.created_at),
        "delivered_at": _iso(delivery.delivered_at),
        "next_attempt_at": None if delivery.delivered_at else _iso(delivery.next_attempt_at),
        "redeliver_requested": delivery.redeliver_at is not None,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "last_attempts": [attempt_json(a) for a in attempts],
    }
