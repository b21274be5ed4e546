"""Sending one webhook delivery: an attempt recorded first, the signed request, the answer recorded.

The request goes out between two short transactions, never inside one: no
lock or SQLite write transaction is held while a receiver takes its time.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from blog.actions.stream import audit
from blog.live import payloads
from blog.models import Change, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from blog.platform import clock, db
from blog.webhooks import outbound, signing

RETRY_BASE = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=1)
# Failing this long without one success pauses an endpoint (retries go on for days before).
PAUSE_AFTER = timedelta(days=3)


def deliver(delivery_id: int, manual: bool) -> bool:
    """Record an attempt, send the delivery outside any transaction, record the answer."""
    prepared = _prepare(delivery_id, manual)
    if prepared is None:
        return True  # its endpoint or blog was removed meanwhile
    attempt_id, url, body, headers = prepared
    answer = outbound.post(url, body, headers, float(current_app.config["WEBHOOK_TIMEOUT_S"]))
    _record(delivery_id, attempt_id, answer, manual)
    return answer.ok


def _prepare(delivery_id: int, manual: bool) -> tuple[int, str, bytes, dict] | None:
    db.begin_write()
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        db.session.commit()
        return None
    endpoint = db.session.get_one(WebhookEndpoint, delivery.endpoint_id)
    now = clock.now()
    attempt = WebhookAttempt(delivery_id=delivery.id, started_at=now, manual=manual)
    db.session.add(attempt)
    delivery.attempts += 1
    db.session.flush()
    body = delivery_body(delivery, endpoint)
    headers = {
        "Content-Type": "application/json",
        signing.DELIVERY_HEADER: str(delivery.id),
        signing.SIGNATURE_HEADER: signing.header(_secrets(endpoint, now), _unix(now), body),
    }
    prepared = (attempt.id, endpoint.url, body, headers)
    db.session.commit()
    return prepared


def delivery_body(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> bytes:
    """The signed body: the delivery's id and the change as the stream serves it now.

    Read at send time, so a change whose entry was retracted since goes out as
    its tombstone: a receiver never gets text that was taken down.
    """
    change = db.session.scalars(
        select(Change).where(Change.blog_id == delivery.blog_id, Change.seq == delivery.seq)
    ).one()
    envelope = {
        "delivery_id": delivery.id,
        "event": endpoint.event.slug,
        "change": payloads.change_message(change),
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > now:
        keys.append(endpoint.previous_secret)
    return keys


def _unix(when: datetime) -> int:
    return int(when.timestamp())


def _record(delivery_id: int, attempt_id: int, answer: outbound.Answer, manual: bool) -> None:
    db.begin_write()
    now = clock.now()
    attempt = db.session.get(WebhookAttempt, attempt_id, populate_existing=True)
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if attempt is None or delivery is None:  # removed with its endpoint meanwhile
        db.session.commit()
        return
    endpoint = db.session.get_one(WebhookEndpoint, delivery.endpoint_id, populate_existing=True)
    attempt.duration_ms, attempt.status_code = answer.duration_ms, answer.status
    attempt.error = delivery.last_error = answer.error[:300]
    delivery.last_status = answer.status
    if manual:
        delivery.redeliver_at = None
    if answer.ok:
        delivery.delivered_at = delivery.delivered_at or now
        endpoint.failing_since, endpoint.last_success_at = None, now
    elif delivery.delivered_at is None:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        _note_failure(endpoint, attempt.started_at, answer, now)
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """Wait after the nth failed attempt: 10 s doubling to an hour, spread by up to a tenth."""
    base = min(RETRY_BASE * 2 ** min(attempts - 1, 20), RETRY_CAP)
    return base * (1 + random.random() / 10)


def _note_failure(endpoint: WebhookEndpoint, started: datetime, answer, now: datetime) -> None:
    endpoint.failing_since = endpoint.failing_since or started
    if endpoint.paused_at is None and now - endpoint.failing_since >= PAUSE_AFTER:
        last = answer.error or f"HTTP {answer.status}"
        endpoint.paused_at = now
        endpoint.pause_reason = (
            f"Paused by Showfloor: every delivery failed since "
            f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC (last: {last})."
        )[:300]
        audit(None, "webhook.pause", "webhook", endpoint.id, endpoint.event_id, last=last[:200])
