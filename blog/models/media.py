"""Uploaded photos: stored under random names, metadata stripped, with web-size variants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.models.base import UTCDateTime
from blog.platform.clock import utcnow
from blog.platform.db import Base


class Media(Base):
    """One uploaded image of an event, with caption, credit and required alt text."""

    __tablename__ = "media"
    __table_args__ = (Index("ix_media_upload_key", "uploader_id", "upload_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Random base name of the stored files; never derived from the upload's name.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # [{"width": 640, "file": "<key>-640.webp", "type": "image/webp"}, …], smallest first.
    variants: Mapped[list] = mapped_column(JSON, default=list)
    alt: Mapped[str] = mapped_column(Text, default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The uploader's idempotency key: a retried upload returns this photo, not a second one.
    upload_key: Mapped[str | None] = mapped_column(String(64))
