"""The webhook part of the OpenAPI document: its paths and schemas (blog/api/webhook_routes.py)."""

from __future__ import annotations

from blog.api.openapi import (
    READ_ERRORS,
    WRITE_ERRORS,
    json_request,
    key_param,
    ok,
    operation,
    path_id,
)
from blog.api.openapi_schemas import BOOLEAN, ID, INTEGER, STRING, TIME, nullable, obj, ref
from blog.webhooks.endpoints import CHOOSABLE
from blog.webhooks.guard import MAX_URL_CHARS

TYPES = {"type": "array", "items": {"enum": list(CHOOSABLE)}, "minItems": 1}
URL = {"type": "string", "minLength": 1, "maxLength": MAX_URL_CHARS}
DESCRIPTION = {"type": "string", "maxLength": 200}


# Every write takes an Idempotency-Key; a repeat while the first still runs is a 409.
KEYED = (*WRITE_ERRORS, "409")


def webhook_paths() -> dict:
    """The webhook routes: an event's endpoints, one endpoint, its secret, its deliveries."""
    slug = {"name": "event_slug", "in": "path", "required": True, "schema": STRING}
    before = {"name": "before", "in": "query", "schema": ID}
    webhook = [path_id("webhook_id")]
    edit = obj(
        {"url": URL, "change_types": TYPES, "description": DESCRIPTION, "paused": BOOLEAN},
        optional=("url", "change_types", "description", "paused"),
    )
    rotate = {"content": {"application/json": {"schema": ref("RotateSecret")}}}
    return {
        "/events/{event_slug}/webhooks": {
            "get": operation(
                "The event's webhook endpoints (editors).",
                ok("WebhookList", "The endpoints, without their secrets."),
                READ_ERRORS,
                [slug],
            ),
            "post": operation(
                "Register an endpoint (editors); its secret is in this answer only.",
                ok("WebhookWithSecret", "Registered.", "201"),
                KEYED,
                [slug, key_param(required=True)],
                json_request(ref("WebhookFields")),
            ),
        },
        "/webhooks/{webhook_id}": {
            "patch": operation(
                "Change an endpoint, or pause and resume it.",
                ok("Webhook", "The endpoint."),
                KEYED,
                [*webhook, key_param()],
                json_request(edit),
            ),
            "delete": operation(
                "Remove an endpoint and its delivery log.",
                {"204": {"description": "Removed."}},
                KEYED,
                [*webhook, key_param()],
            ),
        },
        "/webhooks/{webhook_id}/rotate": {
            "post": operation(
                "A new signing secret, in this answer only.",
                ok("WebhookWithSecret", "The endpoint and its new secret."),
                KEYED,
                [*webhook, key_param()],
                rotate,
            )
        },
        "/webhooks/{webhook_id}/deliveries": {
            "get": operation(
                "The endpoint's deliveries, newest first, with their last attempts.",
                ok("DeliveryPage", "A page of deliveries."),
                (*READ_ERRORS, "422"),
                [*webhook, before],
            )
        },
        "/deliveries/{delivery_id}/redeliver": {
            "post": operation(
                "Send a delivery again with the same delivery id (the worker sends it).",
                ok("Delivery", "Redelivery asked.", "202"),
                KEYED,
                [path_id("delivery_id"), key_param()],
            )
        },
    }


def _webhook() -> dict:
    return obj(
        {
            "id": INTEGER,
            "event": STRING,
            "url": STRING,
            "description": STRING,
            "change_types": {"type": "array", "items": STRING},
            "paused": BOOLEAN,
            "paused_at": nullable(TIME),
            "pause_reason": STRING,
            "failing_since": nullable(TIME),
            "last_success_at": nullable(TIME),
            "previous_secret_until": nullable(TIME),
            "created_at": TIME,
        }
    )


def webhook_schemas() -> dict:
    """The webhook objects and bodies."""
    webhook = _webhook()
    with_secret = {**webhook, "properties": {**webhook["properties"], "secret": STRING}}
    with_secret["required"] = [*webhook["required"], "secret"]
    attempt = obj(
        {
            "started_at": TIME,
            "duration_ms": nullable(INTEGER),
            "status": nullable(INTEGER),
            "error": STRING,
            "manual": BOOLEAN,
        }
    )
    return {
        "Webhook": webhook,
        "WebhookWithSecret": with_secret,
        "WebhookList": obj({"webhooks": {"type": "array", "items": ref("Webhook")}}),
        "WebhookFields": obj(
            {"url": URL, "change_types": TYPES, "description": DESCRIPTION, "paused": BOOLEAN},
            optional=("description", "paused"),
        ),
        "RotateSecret": obj({"keep_previous": BOOLEAN}, optional=("keep_previous",)),
        "Attempt": attempt,
        "Delivery": _delivery(),
        "DeliveryPage": obj(
            {"deliveries": {"type": "array", "items": ref("Delivery")}, "more": BOOLEAN}
        ),
    }


def _delivery() -> dict:
    return obj(
        {
            "id": INTEGER,
            "webhook_id": INTEGER,
            "blog_id": INTEGER,
            "seq": INTEGER,
            "type": STRING,
            "state": {"enum": ["waiting", "failing", "delivered"]},
            "attempts": INTEGER,
            "created_at": TIME,
            "delivered_at": nullable(TIME),
            "next_attempt_at": nullable(TIME),
            "redeliver_requested": BOOLEAN,
            "last_status": nullable(INTEGER),
            "last_error": STRING,
            "last_attempts": {"type": "array", "items": ref("Attempt")},
        }
    )
