"""Readers' view of a blog's timeline: pages in either order, filters, and where an entry sits."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, or_, select

from blog.models import (
    ORDER_NEWEST,
    ORDER_OLDEST,
    Change,
    Entry,
    EntryStatus,
    LiveBlog,
    Speaker,
    Tag,
    entry_tags,
)
from blog.platform import db

PAGE_SIZE = 20
# An "around" page starts this many entries before the one asked for, so the
# reader sees where it sits rather than landing on the page's first line.
AROUND_CONTEXT = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """What a reader narrowed the blog to: a tag, a speaker, an organisation, key events."""

    tag: str = ""
    speaker: int | None = None
    org: int | None = None
    key_only: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read filters from query arguments, ignoring malformed ones."""
        return cls(
            tag=(args.get("tag") or "").strip().lower()[:40],
            speaker=id_arg(args.get("speaker")),
            org=id_arg(args.get("org")),
            key_only=args.get("key") == "1",
        )

    def args(self) -> dict:
        """The query arguments that reproduce these filters."""
        out: dict = {"tag": self.tag, "speaker": self.speaker, "org": self.org}
        out["key"] = 1 if self.key_only else None
        return {k: v for k, v in out.items() if v}

    def __bool__(self) -> bool:
        return bool(self.args())

    def where(self, stmt):
        """Narrow a select of entries to those matching."""
        if self.tag:
            stmt = stmt.where(Entry.tags.any(Tag.name == self.tag))
        if self.speaker:
            stmt = stmt.where(Entry.speaker_id == self.speaker)
        if self.org:
            stmt = stmt.where(Entry.speaker.has(Speaker.organization_id == self.org))
        if self.key_only:
            stmt = stmt.where(Entry.is_key.is_(True))
        return stmt


# Ids are 32-bit integers in both databases; anything larger names nothing.
MAX_ID = 2**31 - 1


def id_arg(raw) -> int | None:
    """A positive id from a query argument, or None for anything else."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not raw or not str(raw).isdecimal() or len(str(raw)) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


@dataclass
class Page:
    """One page of a blog in reading order, with the cursor to the next page."""

    entries: list[Entry]
    order: str
    next_cursor: int | None = None
    at_head: bool = True
    ids: set[int] = field(default_factory=set)


def _published(blog: LiveBlog, filters: Filters):
    stmt = select(Entry).where(Entry.blog_id == blog.id, Entry.status == EntryStatus.PUBLISHED)
    return filters.where(stmt)


def _beyond(entry: Entry, order: str, inclusive: bool = False):
    """Entries after the cursor entry in reading order (older for newest-first)."""
    t, i = Entry.published_at, Entry.id
    if order == ORDER_NEWEST:
        tie = i <= entry.id if inclusive else i < entry.id
        return or_(t < entry.published_at, and_(t == entry.published_at, tie))
    tie = i >= entry.id if inclusive else i > entry.id
    return or_(t > entry.published_at, and_(t == entry.published_at, tie))


def _sorted(stmt, order: str):
    if order == ORDER_NEWEST:
        return stmt.order_by(Entry.published_at.desc(), Entry.id.desc())
    return stmt.order_by(Entry.published_at, Entry.id)


def page(
    blog: LiveBlog,
    order: str,
    filters: Filters,
    cursor: Entry | None = None,
    inclusive: bool = False,
    limit: int = PAGE_SIZE,
) -> Page:
    """A page of published entries in reading order, from the cursor on if given."""
    stmt = _published(blog, filters)
    if cursor is not None:
        stmt = stmt.where(_beyond(cursor, order, inclusive))
    rows = list(db.session.scalars(_sorted(stmt, order).limit(limit + 1)))
    entries = rows[:limit]
    more = len(rows) > limit
    return Page(
        entries=entries,
        order=order,
        next_cursor=entries[-1].id if more and entries else None,
        at_head=cursor is None,
        ids={e.id for e in entries},
    )


def around(blog: LiveBlog, order: str, filters: Filters, target: Entry) -> Page:
    """The page that shows target a few entries down, whatever has been posted since."""
    back = ORDER_OLDEST if order == ORDER_NEWEST else ORDER_NEWEST
    stmt = _published(blog, filters).where(_beyond(target, back))
    before = list(db.session.scalars(_sorted(stmt, back).limit(AROUND_CONTEXT)))
    start = before[-1] if before else target
    result = page(blog, order, filters, cursor=start, inclusive=True)
    result.at_head = False
    return result


def pinned(blog: LiveBlog, filters: Filters) -> Entry | None:
    """The blog's pinned entry if it matches the filters."""
    stmt = _published(blog, filters).where(Entry.is_pinned.is_(True))
    return db.session.scalar(stmt.limit(1))


def key_entries(blog: LiveBlog, limit: int = 12) -> list[Entry]:
    """The newest key entries, for the jump list."""
    stmt = _sorted(_published(blog, Filters(key_only=True)), ORDER_NEWEST).limit(limit)
    return list(db.session.scalars(stmt))


def filter_options(blog: LiveBlog) -> dict:
    """Tags, speakers and organisations that occur in the blog's published entries."""
    live = _published(blog, Filters()).subquery()
    tags = (
        select(Tag.name)
        .join(entry_tags, entry_tags.c.tag_id == Tag.id)
        .where(entry_tags.c.entry_id.in_(select(live.c.id)))
    )
    speakers = select(Speaker).where(Speaker.id.in_(select(live.c.speaker_id)))
    rows = list(db.session.scalars(speakers.order_by(Speaker.name)))
    orgs = {s.organization.id: s.organization.name for s in rows if s.organization}
    return {
        "tags": sorted(set(db.session.scalars(tags.distinct()))),
        "speakers": [(s.id, s.name) for s in rows],
        "orgs": sorted(orgs.items(), key=lambda kv: kv[1].lower()),
    }


CHANGE_TIMES_KEPT = 1024


def last_change_at(blog: LiveBlog) -> datetime:
    """When the blog's newest change was written (its Last-Modified).

    A change row never changes, so (blog, seq) names its time in every
    process: a reader's revalidation asks the database once per new seq.
    """
    cache = current_app.extensions.setdefault("showfloor_change_times", OrderedDict())
    key = (blog.id, blog.last_seq)
    if key not in cache:
        stmt = select(Change.created_at).where(Change.blog_id == key[0], Change.seq == key[1])
        cache[key] = db.session.scalar(stmt) or blog.created_at
        while len(cache) > CHANGE_TIMES_KEPT:
            cache.popitem(last=False)
    return cache[key]
