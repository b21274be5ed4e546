"""Which account each socket belongs to: read from the session at connect, re-checked later."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, session

from blog.models import User
from blog.platform import db
from blog.platform.extensions import current_socket_environ, socket_server
from blog.platform.session_cookie import cookie_session

# Sockets of logged-in users in this process, both ways round; anonymous
# readers are not recorded. Plain dicts suffice: green threads do not preempt.
_sids_by_user: dict[int, set[str]] = {}
_user_by_sid: dict[str, int] = {}


def session_user(signed: Mapping | None = None) -> User | None:
    """The socket's account re-read from the database, or None if anonymous or revoked.

    The session a socket sees (signed, else Flask's copy for its events) is the
    one from its handshake, so the epoch in it is compared with the account's
    current one: a deactivation, role or password change since then revokes the
    socket's rights at once.
    """
    data = session if signed is None else signed
    user_id = data.get("uid")
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None or not user.active or data.get("epoch") != user.session_epoch:
        return None
    return user


def remember(sid: str) -> None:
    """Record the socket of a logged-in user, so a deactivation can disconnect it.

    Runs as a light event (blog/live/light_events.py): the session is read
    from the handshake's cookie, and a reader without one costs nothing here.
    """
    signed = cookie_session(current_app, current_socket_environ())
    if signed is None:
        return
    try:
        user = session_user(signed)
        if user is not None:
            _sids_by_user.setdefault(user.id, set()).add(sid)
            _user_by_sid[sid] = user.id
    finally:
        db.session.remove()


def forget(sid: str) -> None:
    """Drop a closed socket from the registry."""
    user_id = _user_by_sid.pop(sid, None)
    if user_id is None:  # an anonymous reader's socket
        return
    sids = _sids_by_user.get(user_id, set())
    sids.discard(sid)
    if not sids:
        _sids_by_user.pop(user_id, None)


def sids_of(user_id: int) -> set[str]:
    """The sockets this process holds for a user."""
    return set(_sids_by_user.get(user_id, ()))


def disconnect_user(user_id: int) -> None:
    """Close every socket of the user held by this process (after a deactivation)."""
    for sid in sids_of(user_id):
        # Another process's sockets are not known here; they still lose every
        # right at once, because each privileged handler calls session_user().
        socket_server().disconnect(sid)
        forget(sid)
