"""Reads shared by pages, the JSON API and socket handlers."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, exists, or_, select

from blog.content.plaintext import fold
from blog.models import (
    BlogStatus,
    Change,
    EmbargoBatch,
    Entry,
    EntryRevision,
    EntryStatus,
    Event,
    LiveBlog,
    Media,
    Organization,
    Speaker,
    Tag,
    User,
)
from blog.platform import db

PAGE_SIZE = 20
MAX_CHANGES = 500


def event_by_slug(slug: str) -> Event | None:
    """Find an event by its URL slug."""
    return db.session.scalar(select(Event).where(Event.slug == slug))


def event_by_id(event_id: int) -> Event | None:
    """Find an event by id."""
    return db.session.get(Event, event_id)


def blog_by_slugs(event_slug: str, blog_slug: str) -> LiveBlog | None:
    """Find a live blog by its event's slug and its own."""
    stmt = select(LiveBlog).join(Event).where(Event.slug == event_slug, LiveBlog.slug == blog_slug)
    return db.session.scalar(stmt)


def blog_by_id(blog_id: int) -> LiveBlog | None:
    """Find a live blog by id."""
    return db.session.get(LiveBlog, blog_id)


def entry_by_id(entry_id: int) -> Entry | None:
    """Find an entry by id, whatever its status."""
    return db.session.get(Entry, entry_id)


def user_by_id(user_id: int) -> User | None:
    """Find a user by id."""
    return db.session.get(User, user_id)


def user_by_email(email: str) -> User | None:
    """Find a user by email, case-insensitively."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def published_entries(blog: LiveBlog, before: Entry | None = None, limit: int = PAGE_SIZE):
    """Published entries of a blog, newest first, older than the cursor entry if given."""
    stmt = select(Entry).where(Entry.blog_id == blog.id, Entry.status == EntryStatus.PUBLISHED)
    if before is not None:
        stmt = stmt.where(
            or_(
                Entry.published_at < before.published_at,
                and_(Entry.published_at == before.published_at, Entry.id < before.id),
            )
        )
    stmt = stmt.order_by(Entry.published_at.desc(), Entry.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], len(rows) > limit


def key_entries(blog: LiveBlog, limit: int = 5) -> list[Entry]:
    """The newest published key entries of a blog."""
    stmt = (
        select(Entry)
        .where(Entry.blog_id == blog.id, Entry.is_key, Entry.status == EntryStatus.PUBLISHED)
        .order_by(Entry.published_at.desc(), Entry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def blogs_by_status(event: Event) -> dict[BlogStatus, list[LiveBlog]]:
    """An event's blogs grouped into live, scheduled and ended."""
    groups: dict[BlogStatus, list[LiveBlog]] = {s: [] for s in BlogStatus}
    for blog in db.session.scalars(select(LiveBlog).where(LiveBlog.event_id == event.id)):
        groups[blog.status].append(blog)
    return groups


def changes_since(blog_id: int, since: int, limit: int = MAX_CHANGES) -> list[Change]:
    """Changes of a blog with seq greater than since, in seq order."""
    stmt = (
        select(Change)
        .where(Change.blog_id == blog_id, Change.seq > since)
        .order_by(Change.seq)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def changes_in_pages(blog_id: int, since: int, head: int, page: int) -> Iterator[list[Change]]:
    """Changes of a blog after since up to head, in seq order: one query, read a page at a time.

    The caller may yield to the event loop between pages; the query stays open
    on this context's own connection meanwhile.
    """
    stmt = (
        select(Change)
        .where(Change.blog_id == blog_id, Change.seq > since, Change.seq <= head)
        .order_by(Change.seq)
        .execution_options(yield_per=page)
    )
    for part in db.session.scalars(stmt).partitions():
        yield list(part)


def speakers_of(event: Event) -> list[Speaker]:
    """The event's speaker roster, by name."""
    stmt = select(Speaker).where(Speaker.event_id == event.id).order_by(Speaker.name)
    return list(db.session.scalars(stmt))


def organizations_of(event: Event) -> list[Organization]:
    """The organisations of the event's roster, by name."""
    stmt = select(Organization).where(Organization.event_id == event.id)
    return list(db.session.scalars(stmt.order_by(Organization.name, Organization.id)))


SPEAKER_QUERY_CHARS = 200


def speakers_matching(event: Event, needle: str) -> list[Speaker]:
    """Speakers whose name, title or organisation contains needle, accents and case aside."""
    # A name is short; a longer needle matches nothing and costs nothing to fold.
    wanted = fold(needle.strip()[:SPEAKER_QUERY_CHARS])
    return [s for s in speakers_of(event) if wanted in fold(s.attribution)]


MAX_TAG_SUGGESTIONS = 300


def tag_names_of(event: Event) -> list[str]:
    """The event's tags by name: what the composer suggests while a reporter types tags."""
    stmt = select(Tag.name).where(Tag.event_id == event.id).order_by(Tag.name)
    return list(db.session.scalars(stmt.limit(MAX_TAG_SUGGESTIONS)))


def coauthor_choices(event: Event, author_id: int) -> list[User]:
    """Who may share an entry's byline with its author: the event's other active members."""
    return sorted(
        (u for u in event.members if u.active and u.id != author_id), key=lambda u: u.name
    )


def revisions_of(entry: Entry) -> list[EntryRevision]:
    """Earlier versions of an entry, oldest first."""
    stmt = (
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry.id)
        .order_by(EntryRevision.version)
    )
    return list(db.session.scalars(stmt))


def desk_blogs(user: User) -> list[LiveBlog]:
    """Blogs on a user's desk: editors see every open blog, others their events' live ones."""
    if user.is_editor:
        stmt = select(LiveBlog).where(LiveBlog.status != BlogStatus.ENDED)
    else:
        stmt = select(LiveBlog).where(
            LiveBlog.status == BlogStatus.LIVE,
            LiveBlog.event_id.in_([e.id for e in user.events]),
        )
    return list(db.session.scalars(stmt.order_by(LiveBlog.event_id, LiveBlog.id)))


def unpublished_entries(user: User, blog: LiveBlog) -> list[Entry]:
    """The user's drafts and scheduled entries in a blog (editors see everyone's)."""
    waiting = (EntryStatus.DRAFT, EntryStatus.SCHEDULED)
    stmt = select(Entry).where(Entry.blog_id == blog.id, Entry.status.in_(waiting))
    if not user.is_editor:
        stmt = stmt.where(Entry.author_id == user.id)
    return list(db.session.scalars(stmt.order_by(Entry.created_at)))


def open_batches(blog: LiveBlog) -> list[EmbargoBatch]:
    """A blog's embargoed batches that have not been released yet."""
    stmt = select(EmbargoBatch).where(
        EmbargoBatch.blog_id == blog.id, EmbargoBatch.released_at.is_(None)
    )
    return list(db.session.scalars(stmt.order_by(EmbargoBatch.created_at)))


def batch_by_id(batch_id: int) -> EmbargoBatch | None:
    """An embargoed batch by id."""
    return db.session.get(EmbargoBatch, batch_id)


def revision_people(entry: Entry) -> set[int]:
    """Ids of everyone who wrote or replaced a version of an entry."""
    ids = {entry.author_id}
    for rev in revisions_of(entry):
        ids.update((rev.author_id, rev.replaced_by_id))
    return ids


def names_of_users(user_ids: set[int]) -> dict[int, str]:
    """Display names by user id."""
    stmt = select(User.id, User.name).where(User.id.in_(user_ids))
    return {user_id: name for user_id, name in db.session.execute(stmt)}


def photo_shown_to_readers(storage_key: str) -> bool:
    """Tell whether a stored photo is on a public page: a published entry's or an event's cover.

    A retracted entry's photo is then no longer served to readers; staff still see it.
    """
    photo = db.session.scalar(select(Media).where(Media.storage_key == storage_key))
    if photo is None:
        return False
    # Within the photo's event, so the (blog, status) index narrows the scan.
    blogs = select(LiveBlog.id).where(LiveBlog.event_id == photo.event_id)
    in_entry = exists().where(
        Entry.blog_id.in_(blogs),
        Entry.status == EntryStatus.PUBLISHED,
        Entry.media_id == photo.id,
    )
    as_cover = exists().where(Event.cover_media_id == photo.id)
    return bool(db.session.scalar(select(or_(in_entry, as_cover))))
