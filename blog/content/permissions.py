"""Who may do what: every write checks here, over HTTP, the API and sockets."""

from __future__ import annotations

from typing import TypeGuard

from blog.models import ApiToken, EmbargoBatch, Entry, Event, LiveBlog, Role, User


def is_member(user: User, event: Event) -> bool:
    """Tell whether the user is assigned to the event (editors count everywhere)."""
    return user.is_editor or any(e.id == event.id for e in user.events)


def can_post(user: User | None, blog: LiveBlog) -> TypeGuard[User]:
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


def can_release_batch(user: User | None, batch: EmbargoBatch, blog: LiveBlog) -> bool:
    """An embargoed batch goes out early by its own reporter's hand, or an editor's."""
    if not (can_post(user, blog) and not needs_approval(user)):
        return False
    return user.is_editor or batch.created_by_id == user.id


def can_create_event(user: User | None) -> bool:
    """Opening a new event (and its hub) is editors' and admins' work."""
    return bool(user and user.active and user.is_editor)


def needs_approval(user: User) -> bool:
    """Contributors' entries wait for an editor before readers see them."""
    return user.role == Role.CONTRIBUTOR


# People, moderation and records. Editors and admins work across every event
# (a newsroom desk); reporters and contributors only in the events they are
# assigned to, which is_member checks against the object's own event.

STAFF_ROLES = (Role.REPORTER, Role.CONTRIBUTOR)


def is_active(user: User | None) -> TypeGuard[User]:
    """Tell whether user is a logged-in, active account."""
    return bool(user and user.active)


def can_manage_people(user: User | None) -> TypeGuard[User]:
    """Editors and admins see the people screen, invite, assign and deactivate."""
    return is_active(user) and user.is_editor


def can_grant_role(user: User | None, role: Role) -> bool:
    """Editors may create reporters and contributors; only admins create editors and admins."""
    if not can_manage_people(user):
        return False
    return user.role == Role.ADMIN or role in STAFF_ROLES


def can_change_role(user: User | None, target: User) -> bool:
    """Only admins change roles, and never their own (the last admin stays one)."""
    return is_active(user) and user.role == Role.ADMIN and user.id != target.id


def can_manage_account(user: User | None, target: User) -> bool:
    """Deactivate, reactivate, reset a password: an editor for staff, an admin for anyone else.

    Nobody does it to themselves, so an admin cannot lock the desk out by accident.
    """
    if not can_manage_people(user) or user.id == target.id:
        return False
    return user.role == Role.ADMIN or target.role in STAFF_ROLES


def can_assign(user: User | None, target: User) -> bool:
    """Editors assign reporters and contributors to events; editors need no assignment."""
    return can_manage_people(user) and target.role in STAFF_ROLES


def can_review(user: User | None, event: Event) -> bool:
    """Approving or returning contributors' entries is editors' work, in any event."""
    return is_active(user) and user.is_editor and is_member(user, event)


def can_resubmit(user: User | None, entry: Entry) -> bool:
    """A contributor sends their own returned entry back to the queue while assigned."""
    if not is_active(user) or entry.author_id != user.id:
        return False
    return needs_approval(user) and is_member(user, entry.blog.event)


def can_read_records(user: User | None, event: Event | None = None) -> bool:
    """The audit log and the export are for editors and admins."""
    return is_active(user) and user.is_editor


def can_revoke_token(user: User | None, token: ApiToken) -> bool:
    """Owners revoke their own API tokens; editors and admins those of accounts they manage."""
    if not is_active(user):
        return False
    return token.user_id == user.id or can_manage_account(user, token.user)
