"""Who may do what: every write checks here, over HTTP, the API and sockets."""

from __future__ import annotations

from .models import Entry, Event, LiveBlog, Role, User


def is_member(user: User, event: Event) -> bool:
    """Tell whether the user is assigned to the event (editors count everywhere)."""
    return user.is_editor or any(e.id == event.id for e in user.events)


def can_post(user: User | None, blog: LiveBlog) -> bool:
    """Reporters and contributors of the blog's event, and editors, may post."""
    return bool(user and user.active and is_member(user, blog.event))


def can_modify(user: User | None, entry: Entry) -> bool:
    """Editors may change any entry; others only their own, while still assigned."""
    if not (user and user.active):
        return False
    if user.is_editor:
        return True
    return entry.author_id == user.id and is_member(user, entry.blog.event)


def can_curate(user: User | None, event: Event) -> bool:
    """Pinning, key events and blog status are editors' work."""
    return bool(user and user.active and user.is_editor)


def needs_approval(user: User) -> bool:
    """Contributors' entries wait for an editor before readers see them."""
    return user.role == Role.CONTRIBUTOR
