"""The change stream's write side: seq allocation, change rows, commit then push."""

from __future__ import annotations

import functools

from sqlalchemy import update

from .. import db, push
from ..models import Change, Entry, LiveBlog


def next_seq(blog_id: int) -> int:
    """Take the blog's next seq inside the current transaction.

    The UPDATE holds the blog's row lock (PostgreSQL) or the database write
    lock (SQLite) until commit, so seq order is commit order and gapless.
    """
    stmt = (
        update(LiveBlog)
        .where(LiveBlog.id == blog_id)
        .values(last_seq=LiveBlog.last_seq + 1)
        .returning(LiveBlog.last_seq)
    )
    return db.session.execute(stmt).scalar_one()


def record_entry_change(change_type: str, entry: Entry) -> Change:
    """Write the change row for an entry's reader-visible change."""
    db.session.flush()
    payload = push.entry_payload(entry)
    return _record(entry.blog_id, change_type, payload, entry.id)


def record_blog_change(change_type: str, blog: LiveBlog) -> Change:
    """Write the change row for a change of the blog itself."""
    return _record(blog.id, change_type, push.blog_payload(blog), None)


def _record(blog_id: int, change_type: str, payload: dict, entry_id: int | None) -> Change:
    change = Change(
        blog_id=blog_id,
        seq=next_seq(blog_id),
        type=change_type,
        entry_id=entry_id,
        payload=payload,
    )
    db.session.add(change)
    return change


def commit_and_push(changes: list[Change]) -> None:
    """Commit the transaction, then hand its changes to push; never the other way round."""
    db.session.commit()
    for change in changes:
        push.emit_change(change)


def write_action(func):
    """Roll the transaction back when an action refuses, so nothing half-done lingers."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return wrapper
