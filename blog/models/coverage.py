"""Live blogs, their entries, revisions, embargoed batches and the per-blog change stream."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.models.base import BlogStatus, EntryKind, EntryStatus, UTCDateTime, enum_column
from blog.models.event import Speaker, Tag
from blog.platform.clock import utcnow
from blog.platform.db import Base
from blog.platform.i18n import join_names

if TYPE_CHECKING:
    from blog.models.event import AgendaSession, Event
    from blog.models.media import Media
    from blog.models.people import User

entry_tags = Table(
    "entry_tag",
    Base.metadata,
    Column("entry_id", ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

# Reporters sharing an entry's byline with its author, in the order they were named.
entry_coauthors = Table(
    "entry_coauthor",
    Base.metadata,
    Column("entry_id", ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

ORDER_NEWEST = "newest"
ORDER_OLDEST = "oldest"


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
        enum_column(BlogStatus, "blog_status"), default=BlogStatus.SCHEDULED
    )
    # The seq of the newest change; incremented in the writing transaction.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Newest first for most coverage; oldest first reads better for a talk or a Q&A.
    default_order: Mapped[str] = mapped_column(
        String(8), default=ORDER_NEWEST, server_default=ORDER_NEWEST
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_session.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="blogs", lazy="joined")
    session: Mapped[AgendaSession | None] = relationship()


class EmbargoBatch(Base):
    """Prepared entries released together, in order, by one action or at a set time."""

    __tablename__ = "embargo_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entry(Base):
    """One update in a live blog: Markdown source beside its sanitised HTML."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("author_id", "idempotency_key"),
        Index("ix_entry_blog_published", "blog_id", "status", "published_at", "id"),
        Index("ix_entry_due", "status", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blog_id: Mapped[int] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    headline: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    # A pasted link shown as a card: the URL and the card's fields (no fetch needed).
    embed_url: Mapped[str | None] = mapped_column(String(2000))
    embed: Mapped[dict | None] = mapped_column(JSON)
    # A visible note on a published correction ("Corrected the price: €1,099").
    correction_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A quote's setting, shown before the quotation and outside it: Markdown and its HTML.
    context: Mapped[str] = mapped_column(Text, default="", server_default="")
    context_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[EntryStatus] = mapped_column(enum_column(EntryStatus, "entry_status"))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # When a scheduled entry goes out (UTC; entered in the event's timezone).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("embargo_batch.id", ondelete="SET NULL")
    )
    batch_position: Mapped[int | None] = mapped_column(Integer)
    # Moderation: an editor's note when a contributor's entry is returned.
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    blog: Mapped[LiveBlog] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    speaker: Mapped[Speaker | None] = relationship(lazy="joined")
    media: Mapped[Media | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=entry_tags, lazy="selectin", order_by=Tag.name)
    # Written only by blog.actions.coauthors, which keeps their order in `position`.
    coauthors: Mapped[list[User]] = relationship(
        secondary=entry_coauthors,
        lazy="selectin",
        viewonly=True,
        order_by=entry_coauthors.c.position,
    )

    @property
    def authors(self) -> list[User]:
        """Everyone on the byline: the author, then the co-authors."""
        return [self.author, *self.coauthors]

    @property
    def is_edited(self) -> bool:
        """Whether readers see "edited": the entry changed after it was published.

        A new version alone is not enough (the photo announced with a photo entry is
        attached as version 2 at its publishing time), nor a later updated_at alone
        (an editor moving the display time touches the row, not what it says).
        """
        published = self.published_at
        return self.version > 1 and published is not None and self.updated_at > published

    @property
    def byline(self) -> str:
        """The authors' names as a reader reads them: "A", "A and B", "A, B and C" (translated)."""
        return join_names([u.name for u in self.authors])


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
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    correction_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    context: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Who wrote this version, and who replaced it when.
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingEdit(Base):
    """A contributor's edit of a published entry, waiting for an editor; readers keep the old."""

    __tablename__ = "pending_edit"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One waiting edit per entry: a newer edit by the contributor replaces it.
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), unique=True)
    # The entry's version the edit was made from; approving checks it still is.
    base_version: Mapped[int] = mapped_column(Integer)
    # Counts the contributor's replacements: an editor approves the one they read.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    headline: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    embed_url: Mapped[str | None] = mapped_column(String(2000))
    embed: Mapped[dict | None] = mapped_column(JSON)
    correction_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    tag_names: Mapped[list] = mapped_column(JSON, default=list)
    context: Mapped[str] = mapped_column(Text, default="", server_default="")
    context_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The co-authors the edit names; None leaves the entry's as they are.
    coauthor_ids: Mapped[list | None] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    speaker: Mapped[Speaker | None] = relationship(lazy="joined")
    media: Mapped[Media | None] = relationship(lazy="joined")


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
