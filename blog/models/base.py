"""Shared column types, enums and helpers of the models."""

from __future__ import annotations

import enum
from datetime import UTC

from sqlalchemy import Enum
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite drops the offset; PostgreSQL keeps it. Both come back aware here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Normalise to UTC before writing."""
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        """Attach UTC to values SQLite returns naive."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Role(enum.StrEnum):
    """What a user may do; ordered from most to least powerful."""

    ADMIN = "admin"
    EDITOR = "editor"
    REPORTER = "reporter"
    CONTRIBUTOR = "contributor"


class BlogStatus(enum.StrEnum):
    """Lifecycle of a live blog."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class EntryKind(enum.StrEnum):
    """What an entry shows."""

    TEXT = "text"
    QUOTE = "quote"
    IMAGE = "image"
    EMBED = "embed"


class EntryStatus(enum.StrEnum):
    """Where an entry stands; only published entries reach readers."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PENDING = "pending"
    PUBLISHED = "published"
    RETRACTED = "retracted"


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by value as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


# The largest id (and seq) the Integer columns hold on every backend.
MAX_ID = 2**31 - 1


def client_int(value: object, minimum: int = 1) -> int | None:
    """An id or seq a client sent, if it is an integer the database can hold; else None.

    type() rather than isinstance(): JSON true must not pass as 1; the bound
    keeps 2**63 and beyond from overflowing a query.
    """
    return value if type(value) is int and minimum <= value <= MAX_ID else None
