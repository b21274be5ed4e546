"""Backdating: an editor sets when an entry is shown as posted, without touching its seq."""

from __future__ import annotations

from datetime import datetime

from blog.actions.load import load_actor, load_entry, require_live
from blog.actions.stream import audit, commit_and_push, record_entry_change, write_action
from blog.content.permissions import can_curate
from blog.live import payloads
from blog.models import Entry, EntryStatus, User
from blog.platform import clock, db
from blog.platform.errors import Forbidden, Invalid

EDITORS_ONLY = "Only editors can change when an entry is shown as posted (display_at)."


@write_action
def set_display_time(user: User, entry_id: int, display_at: datetime) -> Entry:
    """Show a published entry as posted at display_at, and place it there in the timeline.

    A reporter's phone that posted late from a dead zone: readers see the entry
    where it happened. The change stream still carries it as the next seq
    (an entry_edited change), so cursors stay exact.
    """
    db.begin_write()
    actor = load_actor(user)
    entry = load_entry(entry_id)
    _check(actor, entry, display_at)
    if entry.published_at == display_at:
        db.session.commit()  # nothing to move: no audit, no push
        return entry
    before = entry.published_at
    entry.published_at = display_at
    audit(
        actor,
        "entry.display_time",
        "entry",
        entry.id,
        entry.blog.event_id,
        before=before.isoformat() if before else None,
        after=display_at.isoformat(),
    )
    commit_and_push([record_entry_change(payloads.ENTRY_EDITED, entry)])
    return entry


def _check(actor: User, entry: Entry, display_at: datetime) -> None:
    if not can_curate(actor, entry.blog.event):
        raise Forbidden(EDITORS_ONLY, {"display_at": "editors only"})
    if entry.status != EntryStatus.PUBLISHED:
        raise Invalid("Only a published entry has a display time.", {"display_at": "not published"})
    if display_at.tzinfo is None:
        raise Invalid("display_at needs a time zone.", {"display_at": "no time zone"})
    if display_at > clock.now():
        raise Invalid("An entry cannot be shown as posted in the future.", {"display_at": "future"})
    require_live(entry.blog)
