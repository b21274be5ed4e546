"""Webhooks: an event's HTTPS endpoints, their cursor per blog, deliveries and attempts.

The blog change table is the outbox: a stream row keeps, per endpoint and
blog, the seq up to which changes were turned into deliveries, so the change
transaction writes nothing extra. A delivery is unique per (endpoint, blog,
seq); its id is the receiver's idempotency key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.models.base import UTCDateTime
from blog.models.event import Event
from blog.platform.clock import utcnow
from blog.platform.db import Base


class WebhookEndpoint(Base):
    """An HTTPS URL of an event that receives the chosen change types, signed."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    change_types: Mapped[list] = mapped_column(JSON, default=list)
    # Kept as is: signing needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(80))
    # After a rotation the old secret signs too, until previous_until, so a
    # receiver can switch without refusing deliveries in between.
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(String(300), default="")
    # First failed attempt since the last success; days of it pause the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(lazy="joined")


class WebhookStream(Base):
    """One endpoint following one blog: its planning cursor, when it is due, who holds it."""

    __tablename__ = "webhook_stream"
    __table_args__ = (UniqueConstraint("endpoint_id", "blog_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    # Changes up to this seq have been considered (a delivery made for each chosen type).
    planned_seq: Mapped[int] = mapped_column(Integer, default=0)
    # When the oldest undelivered delivery is due; None when nothing waits.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker works a stream only while its lease runs, so a killed one's claim expires.
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One change for one endpoint: sent in seq order until the receiver answers 2xx."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "blog_id", "seq"),
        Index("ix_webhook_delivery_log", "endpoint_id", "id"),
        # The pruning's look for deliveries delivered long ago.
        Index("ix_webhook_delivery_delivered", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    change_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An editor asked to send it again: the worker sends it once more, out of turn.
    redeliver_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class WebhookAttempt(Base):
    """One try of a delivery: written before the request, completed after the answer."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None while in flight, and for good if the worker stopped before the answer.
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(300), default="")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
