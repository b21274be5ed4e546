"""Loading rows for a write inside its transaction, with readable refusals."""

from __future__ import annotations

from sqlalchemy import select

from blog.models import BlogStatus, Entry, LiveBlog, User
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid, NotFound


def load_blog(blog_id: int) -> LiveBlog:
    """Fetch a blog fresh from the database or refuse with 404."""
    blog = db.session.get(LiveBlog, blog_id, populate_existing=True)
    if blog is None:
        raise NotFound("No such live blog.")
    return blog


def load_entry(entry_id: int) -> Entry:
    """Lock the entry's blog, then fetch the entry fresh, or refuse with 404.

    Every write to a blog's entries first locks the blog row (PostgreSQL; on
    SQLite BEGIN IMMEDIATE already serialises writers), so a version check or
    a status check made after loading cannot be overtaken by a concurrent
    writer: two edits based on the same version cannot both succeed.
    """
    blog_id = db.session.scalar(select(Entry.blog_id).where(Entry.id == entry_id))
    if blog_id is None:
        raise NotFound("No such entry.")
    lock_blog(blog_id)
    entry = db.session.get(Entry, entry_id, populate_existing=True)
    if entry is None:  # deleted while we waited for the lock
        raise NotFound("No such entry.")
    return entry


def lock_blog(blog_id: int) -> None:
    """Hold the blog's row lock until the transaction ends."""
    db.session.execute(select(LiveBlog.id).where(LiveBlog.id == blog_id).with_for_update())


def load_actor(user: User) -> User:
    """Re-read the acting user so a deactivation or role change applies at once."""
    actor = db.session.get(User, user.id, populate_existing=True)
    if actor is None or not actor.active:
        raise Forbidden("Your account is not active.")
    return actor


def require_live(blog: LiveBlog) -> None:
    """Refuse writes to a blog that is not live."""
    if blog.status == BlogStatus.ENDED:
        raise Invalid("This live blog has ended; it is a read-only archive now.")
    if blog.status != BlogStatus.LIVE:
        raise Invalid("This live blog is not live yet; an editor must set it live first.")
