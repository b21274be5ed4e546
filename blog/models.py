"""Tables of Showfloor and the small invariants that belong to them."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .db import Base


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


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


class EntryStatus(enum.StrEnum):
    """Where an entry stands; only published entries reach readers."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PENDING = "pending"
    PUBLISHED = "published"
    RETRACTED = "retracted"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by value as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


event_members = Table(
    "event_member",
    Base.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)

entry_tags = Table(
    "entry_tag",
    Base.metadata,
    Column("entry_id", ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """Someone who logs in: admin, editor, reporter or contributor."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(secondary=event_members, back_populates="members")

    @property
    def is_editor(self) -> bool:
        """Editors and admins run events and may act on any entry."""
        return self.role in (Role.ADMIN, Role.EDITOR)


class ApiToken(Base):
    """A bearer token for the JSON API, stored only as a hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Event(Base):
    """One show, e.g. MWC in Barcelona; its public page is the hub."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    blogs: Mapped[list[LiveBlog]] = relationship(back_populates="event", order_by="LiveBlog.id")
    members: Mapped[list[User]] = relationship(secondary=event_members, back_populates="events")

    @property
    def tz(self) -> ZoneInfo:
        """The venue's timezone."""
        return ZoneInfo(self.timezone)


class Organization(Base):
    """A company or body that speakers speak for, within one event's roster."""

    __tablename__ = "organization"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(160))


class Speaker(Base):
    """A person on the event's roster whose lines can be quoted."""

    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    @property
    def attribution(self) -> str:
        """Name, title and organisation as a reader sees them under a quote."""
        parts = [self.title, self.organization.name if self.organization else ""]
        detail = ", ".join(p for p in parts if p)
        return f"{self.name}, {detail}" if detail else self.name


class Tag(Base):
    """A topic readers can filter by, within one event."""

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))


class LiveBlog(Base):
    """One coverage stream of an event, with its own gapless change sequence."""

    __tablename__ = "live_blog"
    __table_args__ = (UniqueConstraint("event_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BlogStatus] = mapped_column(
        _enum(BlogStatus, "blog_status"), default=BlogStatus.SCHEDULED
    )
    # The seq of the newest change; incremented in the writing transaction.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="blogs", lazy="joined")


class Entry(Base):
    """One update in a live blog: Markdown source beside its sanitised HTML."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("author_id", "idempotency_key"),
        Index("ix_entry_blog_published", "blog_id", "status", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "entry_kind"))
    headline: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    status: Mapped[EntryStatus] = mapped_column(_enum(EntryStatus, "entry_status"))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    blog: Mapped[LiveBlog] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined")
    speaker: Mapped[Speaker | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=entry_tags, lazy="selectin", order_by=Tag.name)


class EntryRevision(Base):
    """A version of an entry as it was before an edit replaced it."""

    __tablename__ = "entry_revision"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    headline: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    # Who wrote this version, and when it was replaced.
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Change(Base):
    """One reader-visible change of a blog, numbered by a gapless per-blog seq."""

    __tablename__ = "change"
    __table_args__ = (UniqueConstraint("blog_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    # The wire payload, built once; live push and replay send it unchanged.
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
