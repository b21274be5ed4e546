"""An event and what belongs to it: roster, tags, agenda, hub curation, hub change stream."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.models.base import UTCDateTime
from blog.models.people import event_members
from blog.platform.clock import utcnow
from blog.platform.db import Base

if TYPE_CHECKING:
    from blog.models.coverage import LiveBlog
    from blog.models.people import User


class Event(Base):
    """One show, e.g. MWC in Barcelona; its public page is the hub."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The readers' pages' language and date style (blog/platform/i18n.py LOCALES);
    # a reader's Accept-Language naming one of ours overrides it.
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    cover_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", use_alter=True, name="fk_event_cover_media")
    )
    # The editor's "what you need to know", kept current during the show.
    summary_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Seq of the newest hub change (curation, summary, agenda); like a blog's.
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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


agenda_speakers = Table(
    "agenda_session_speaker",
    Base.metadata,
    Column("session_id", ForeignKey("agenda_session.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", ForeignKey("speaker.id", ondelete="CASCADE"), primary_key=True),
)


class AgendaSession(Base):
    """A talk, keynote or panel on the event's agenda, on a stage, at a time."""

    __tablename__ = "agenda_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    speakers: Mapped[list[Speaker]] = relationship(secondary=agenda_speakers, lazy="selectin")


class HubFeature(Base):
    """A blog or entry the editor features on the hub, in the editor's order."""

    __tablename__ = "hub_feature"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    blog_id: Mapped[int | None] = mapped_column(ForeignKey("live_blog.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class EventChange(Base):
    """One change of an event's hub, numbered by a gapless per-event seq."""

    __tablename__ = "event_change"
    __table_args__ = (UniqueConstraint("event_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
