"""Tables of Showfloor and the small invariants that belong to them."""

from blog.models.audit import AuditRecord
from blog.models.base import (
    BlogStatus,
    EntryKind,
    EntryStatus,
    Role,
    UTCDateTime,
    enum_column,
)
from blog.models.coverage import (
    ORDER_NEWEST,
    ORDER_OLDEST,
    Change,
    EmbargoBatch,
    Entry,
    EntryRevision,
    LiveBlog,
    PendingEdit,
    entry_coauthors,
    entry_tags,
)
from blog.models.event import (
    AgendaSession,
    Event,
    EventChange,
    HubFeature,
    Organization,
    Speaker,
    Tag,
)
from blog.models.idempotency import IdempotentAnswer
from blog.models.media import Media
from blog.models.people import ApiToken, User, event_members

__all__ = [
    "ORDER_NEWEST",
    "ORDER_OLDEST",
    "AgendaSession",
    "ApiToken",
    "AuditRecord",
    "PendingEdit",
    "BlogStatus",
    "Change",
    "EmbargoBatch",
    "Entry",
    "EntryKind",
    "EntryRevision",
    "EntryStatus",
    "Event",
    "EventChange",
    "IdempotentAnswer",
    "HubFeature",
    "LiveBlog",
    "Media",
    "Organization",
    "Role",
    "Speaker",
    "Tag",
    "UTCDateTime",
    "User",
    "entry_coauthors",
    "entry_tags",
    "event_members",
    "enum_column",
]
