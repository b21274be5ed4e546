"""Answers to API writes kept by idempotency key, so a repeated write answers as the first did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blog.models.base import UTCDateTime
from blog.platform.clock import utcnow
from blog.platform.db import Base


class IdempotentAnswer(Base):
    """One account's key, the write it was used for, and that write's answer.

    status is None while the first request with the key is still running.
    """

    __tablename__ = "idempotent_answer"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotent_answer_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    # The write the key was used for: its method and path, e.g. "PATCH /api/v1/entries/3".
    target: Mapped[str] = mapped_column(String(300))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
