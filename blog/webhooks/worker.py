"""The webhook worker: turns new changes into deliveries and sends them, in seq order, after commit.

Runs outside every request: as `flask --app app webhooks work`, or as background
tasks of the server process (docs/operations.md). Any number of workers may run:
a worker works one endpoint's stream of one blog only while it holds the
stream's lease, so a killed worker's claim simply expires and another resends
the delivery it had in flight, with the same delivery id. Nothing is lost: a
delivery row is made in the same transaction that moves the stream's cursor.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from blog.models import Change, LiveBlog, WebhookDelivery, WebhookEndpoint
from blog.models import WebhookStream as Stream
from blog.platform import clock, db
from blog.webhooks import doorbell, retention, sending
from blog.webhooks.endpoints import ALWAYS

PLAN_BATCH = 200
SENDS_PER_CLAIM = 50


def new_owner() -> str:
    """A name for one worker loop, unique across hosts, processes and loops."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def lease() -> timedelta:
    """How long a claim lasts: past any one request's time bound, renewed before each send."""
    return timedelta(seconds=3 * float(current_app.config["WEBHOOK_TIMEOUT_S"]))


def run_once(owner: str) -> int:
    """One pass over every due stream this worker can claim; returns how many requests it sent."""
    retention.prune_if_due()
    add_missing_streams()
    sent = 0
    for stream_id in due_streams():
        if claim(stream_id, owner):
            sent += work_stream(stream_id, owner)
    return sent


def add_missing_streams() -> None:
    """Follow blogs made after their event's endpoints, from their first change."""
    missing = (
        select(WebhookEndpoint.id, LiveBlog.id)
        .join(LiveBlog, LiveBlog.event_id == WebhookEndpoint.event_id)
        .outerjoin(
            Stream, (Stream.endpoint_id == WebhookEndpoint.id) & (Stream.blog_id == LiveBlog.id)
        )
        .where(Stream.id.is_(None))
    )
    pairs = db.session.execute(missing).all()
    db.session.commit()
    if not pairs:
        return
    db.begin_write()
    for endpoint_id, blog_id in pairs:
        db.session.add(Stream(endpoint_id=endpoint_id, blog_id=blog_id, planned_seq=0))
    try:
        db.session.commit()
    except IntegrityError:  # another worker made them first
        db.session.rollback()


def due_streams() -> list[int]:
    """Streams with changes not yet planned or a delivery due, unclaimed, of running endpoints."""
    now = clock.now()
    stmt = (
        select(Stream.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == Stream.endpoint_id)
        .join(LiveBlog, LiveBlog.id == Stream.blog_id)
        .where(
            WebhookEndpoint.paused_at.is_(None),
            or_(LiveBlog.last_seq > Stream.planned_seq, Stream.next_due_at <= now),
            or_(Stream.lease_until.is_(None), Stream.lease_until < now),
        )
        .order_by(Stream.next_due_at, Stream.id)
        .limit(100)
    )
    ids = list(db.session.scalars(stmt))
    db.session.commit()
    return ids


def watched_blogs() -> list[int]:
    """The blogs any endpoint has a stream of: the changes this process's doorbell rings for."""
    blog_ids = list(db.session.scalars(select(Stream.blog_id).distinct()))
    db.session.commit()
    return blog_ids


def claim(stream_id: int, owner: str) -> bool:
    """Take the stream's lease if nobody holds it; one UPDATE, so two workers cannot both win."""
    now = clock.now()
    db.begin_write()
    taken = db.session.scalar(
        update(Stream)
        .where(Stream.id == stream_id, or_(Stream.lease_until.is_(None), Stream.lease_until < now))
        .values(lease_owner=owner, lease_until=now + lease())
        .returning(Stream.id)
    )
    db.session.commit()
    return taken is not None


def renew(stream_id: int, owner: str) -> bool:
    """Extend the lease before a send; False if it expired and another worker took the stream."""
    db.begin_write()
    kept = db.session.scalar(
        update(Stream)
        .where(Stream.id == stream_id, Stream.lease_owner == owner)
        .values(lease_until=clock.now() + lease())
        .returning(Stream.id)
    )
    db.session.commit()
    return kept is not None


def work_stream(stream_id: int, owner: str) -> int:
    """Plan the stream's new changes, send what is due in seq order, then let the stream go."""
    plan(stream_id)
    sent = 0
    while sent < SENDS_PER_CLAIM:
        found = next_delivery(stream_id)
        if found is None or not renew(stream_id, owner):
            break
        delivery_id, manual = found
        ok = sending.deliver(delivery_id, manual)
        sent += 1
        if not ok and not manual:
            break  # the head failed: what follows waits for its retry, keeping seq order
    release(stream_id, owner)
    return sent


def plan(stream_id: int) -> None:
    """Make a delivery for each chosen change after the stream's cursor, and move the cursor."""
    db.begin_write()
    stream = db.session.get(Stream, stream_id, populate_existing=True)
    if stream is None:  # removed with its endpoint meanwhile
        db.session.commit()
        return
    endpoint = db.session.get_one(WebhookEndpoint, stream.endpoint_id)
    wanted = set(endpoint.change_types) | set(ALWAYS)
    changes = db.session.execute(
        select(Change.seq, Change.type)
        .where(Change.blog_id == stream.blog_id, Change.seq > stream.planned_seq)
        .order_by(Change.seq)
        .limit(PLAN_BATCH)
    ).all()
    now = clock.now()
    for seq, change_type in changes:
        if change_type in wanted:
            db.session.add(_delivery(stream, seq, change_type, now))
            stream.next_due_at = stream.next_due_at or now
    if changes:
        stream.planned_seq = changes[-1].seq
    db.session.commit()


def _delivery(stream: Stream, seq: int, change_type: str, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=stream.endpoint_id,
        blog_id=stream.blog_id,
        seq=seq,
        change_type=change_type,
        created_at=now,
        next_attempt_at=now,
    )


def next_delivery(stream_id: int) -> tuple[int, bool] | None:
    """An editor's redelivery first, else the oldest undelivered one if due; None if neither."""
    stream = db.session.get(Stream, stream_id, populate_existing=True)
    if stream is None:  # removed with its endpoint meanwhile
        db.session.commit()
        return None
    endpoint = db.session.get_one(WebhookEndpoint, stream.endpoint_id, populate_existing=True)
    of_stream = _of_stream(stream)
    manual = db.session.scalar(
        of_stream.with_only_columns(WebhookDelivery.id)
        .where(WebhookDelivery.redeliver_at.is_not(None))
        .order_by(WebhookDelivery.seq)
    )
    head = _head(of_stream)
    db.session.commit()
    if endpoint.paused_at is not None:
        return None
    if manual is not None:
        return manual, True
    if head is not None and head.next_attempt_at <= clock.now():
        return head.id, False
    return None


def _of_stream(stream: Stream):
    return select(WebhookDelivery.id, WebhookDelivery.next_attempt_at).where(
        WebhookDelivery.endpoint_id == stream.endpoint_id,
        WebhookDelivery.blog_id == stream.blog_id,
    )


def _head(of_stream):
    waiting = of_stream.where(WebhookDelivery.delivered_at.is_(None))
    return db.session.execute(waiting.order_by(WebhookDelivery.seq).limit(1)).first()


def release(stream_id: int, owner: str) -> None:
    """Give the lease back and note when the stream is next due."""
    db.begin_write()
    stream = db.session.get(Stream, stream_id, populate_existing=True)
    if stream is None:  # removed with its endpoint meanwhile
        db.session.commit()
        return
    head = _head(_of_stream(stream))
    if stream.lease_owner == owner:
        stream.next_due_at = head.next_attempt_at if head is not None else None
        stream.lease_owner, stream.lease_until = None, None
    db.session.commit()


def run_forever(app: Flask, lookout: bool = True) -> None:
    """One worker loop: a pass, then a rest when there was nothing to send; never gives up.

    A lookout rests WEBHOOK_POLL_S, any other loop until the process's doorbell rings
    (blog/webhooks/doorbell.py), or at most RESTING_FACTOR times as long.
    """
    owner = new_owner()
    bell = doorbell.of(app)
    while True:
        with app.app_context():
            try:
                sent = run_once(owner)
                if lookout:
                    bell.watch(watched_blogs())
            except OperationalError as exc:  # the database is away: the next pass retries
                app.logger.warning("webhook worker: database unavailable (%s)", exc.orig)
                sent = 0
            except Exception:
                app.logger.exception("webhook worker pass failed")
                sent = 0
            finally:
                db.session.remove()
        if sent:
            bell.ring()  # more may be due: the resting loops share it
            continue
        poll_s = float(app.config["WEBHOOK_POLL_S"])
        bell.rest(poll_s if lookout else poll_s * doorbell.RESTING_FACTOR)
