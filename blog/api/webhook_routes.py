"""The JSON API's webhook routes: an event's endpoints, their secrets, delivery log, redelivery.

Editors only, with a token (reads too: an endpoint's URL is not public). A
secret is in the answer that creates or rotates it, and never again.
"""

from __future__ import annotations

from flask import g, jsonify, request

from blog.api.body import json_body, reject_unknown
from blog.api.idempotency import idempotent
from blog.api.routes import bp
from blog.api.token_auth import token_required
from blog.content import queries
from blog.content.permissions import can_curate
from blog.models import Event
from blog.platform.errors import Forbidden, Invalid, NotFound
from blog.webhooks import endpoints, log

FIELDS = ("url", "change_types", "description", "paused")


def _event(event_slug: str) -> Event:
    event = queries.event_by_slug(event_slug)
    if event is None:
        raise NotFound("No such event.")
    if not can_curate(g.user, event):
        raise Forbidden("Only editors can manage an event's webhooks.")
    return event


def _input(body: dict) -> endpoints.EndpointInput:
    reject_unknown(body, known=FIELDS)
    nulls = [k for k in FIELDS if k in body and body[k] is None]
    if nulls:  # leave a field out to keep it; null is not a value any of them takes
        raise Invalid(f"{', '.join(nulls)} may not be null.", dict.fromkeys(nulls, "null"))
    return endpoints.EndpointInput(**{k: body[k] for k in FIELDS if k in body})


@bp.get("/events/<event_slug>/webhooks")
@token_required
def list_webhooks(event_slug: str):
    """The event's webhook endpoints (editors)."""
    found = log.endpoints_of(_event(event_slug))
    return jsonify({"webhooks": [log.endpoint_json(e) for e in found]})


@bp.post("/events/<event_slug>/webhooks")
@token_required
@idempotent(required=True)
def create_webhook(event_slug: str):
    """Register an endpoint; its signing secret is in this answer only."""
    body = json_body()
    data = _input(body)
    if "url" not in body or "change_types" not in body:
        raise Invalid("Send url and change_types.", {"url": "required", "change_types": "required"})
    endpoint, secret = endpoints.create_endpoint(g.user, _event(event_slug).id, data)
    return _with_secret(endpoint, secret, 201)


def _with_secret(endpoint, secret: str, status: int = 200):
    """The endpoint and its new secret, which no cache may keep."""
    response = jsonify({**log.endpoint_json(endpoint), "secret": secret})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.patch("/webhooks/<int:webhook_id>")
@token_required
@idempotent()
def update_webhook(webhook_id: int):
    """Change an endpoint's URL, change types or description; pause or resume it."""
    endpoint = endpoints.update_endpoint(g.user, webhook_id, _input(json_body()))
    return jsonify(log.endpoint_json(endpoint))


@bp.delete("/webhooks/<int:webhook_id>")
@token_required
@idempotent()
def delete_webhook(webhook_id: int):
    """Remove an endpoint and its delivery log."""
    endpoints.delete_endpoint(g.user, webhook_id)
    return "", 204


@bp.post("/webhooks/<int:webhook_id>/rotate")
@token_required
@idempotent()
def rotate_webhook_secret(webhook_id: int):
    """A new secret, in this answer only; the old one signs for a day more unless not kept."""
    body = json_body() if request.get_data() else {}
    reject_unknown(body, known=("keep_previous",))
    secret = endpoints.rotate_secret(g.user, webhook_id, body.get("keep_previous", True))
    return _with_secret(endpoints.load_endpoint(g.user, webhook_id), secret)


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@token_required
def webhook_deliveries(webhook_id: int):
    """The endpoint's deliveries, newest first, with their last attempts; ?before=<id> pages."""
    endpoint = endpoints.load_endpoint(g.user, webhook_id)
    before = request.args.get("before")
    if before is not None and not (before.isdecimal() and 0 < int(before) < 2**31):
        raise Invalid("before must be a delivery id.")
    found, more = log.deliveries_of(endpoint.id, int(before) if before else None)
    attempts = log.last_attempts([d.id for d in found])
    shown = [log.delivery_json(d, attempts[d.id]) for d in found]
    return jsonify({"deliveries": shown, "more": more})


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@token_required
@idempotent()
def redeliver(delivery_id: int):
    """Send a delivery again, at once, with the same delivery id (202: the worker sends it)."""
    delivery = endpoints.redeliver(g.user, delivery_id)
    return jsonify(log.delivery_json(delivery, log.last_attempts([delivery.id])[delivery.id])), 202
