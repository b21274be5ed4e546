"""Who is on a blog's desk right now, and who is writing or editing what (a soft lock).

Socket handlers here only read: they check the user's current rights from the
database on every event and keep presence in this process's memory. Each
process announces its own people with its server id; desks merge the lists
and forget a server that stops announcing (see static/js/presence.js).
"""

from __future__ import annotations

import uuid

from flask_socketio import SocketIO

from blog.content import queries
from blog.content.permissions import can_post
from blog.live import push, socket_auth
from blog.models.base import client_int
from blog.platform import db
from blog.platform.extensions import current_sid, join_room, leave_room
from blog.platform.socket_limits import guarded

SERVER_ID = uuid.uuid4().hex[:12]
# blog_id -> sid -> {"user_id", "name", "typing", "editing"}
_desks: dict[int, dict[str, dict]] = {}


def _authorised_blog(data):
    """The blog named in data if the socket's user may post to it now, else None."""
    blog_id = client_int(data.get("blog_id") if isinstance(data, dict) else None)
    if blog_id is None:
        return None, None
    try:
        user = socket_auth.session_user()
        blog = queries.blog_by_id(blog_id)
        if blog is None or not can_post(user, blog):
            return None, None
        return blog, user
    finally:
        db.session.remove()


def join_desk(data):
    """Join a blog's desk: see colleagues and be seen."""
    blog, user = _authorised_blog(data)
    if blog is None:
        return {"ok": False, "error": "not allowed"}
    join_room(push.desk_room(blog.id))
    _desks.setdefault(blog.id, {})[current_sid()] = {
        "user_id": user.id,
        "name": user.name,
        "typing": False,
        "editing": None,
    }
    announce(blog.id)
    return {"ok": True, "server": SERVER_ID}


def activity(data):
    """Report that this desk is typing a new entry or editing an entry (None when done)."""
    blog, _user = _authorised_blog(data)
    person = _desks.get(blog.id, {}).get(current_sid()) if blog else None
    if person is None:
        return {"ok": False, "error": "join the desk first"}
    editing = data.get("editing")
    person["typing"] = bool(data.get("typing"))
    person["editing"] = editing if isinstance(editing, int) else None
    announce(blog.id)
    return {"ok": True}


def leave_desk(data=None):
    """Leave every desk this socket joined (also on disconnect)."""
    for blog_id, people in list(_desks.items()):
        if people.pop(current_sid(), None) is not None:
            leave_room(push.desk_room(blog_id))
            announce(blog_id)


def announce(blog_id: int) -> None:
    """Tell the blog's desk who this process has there."""
    people = list(_desks.get(blog_id, {}).values())
    push.emit_desk_presence(blog_id, SERVER_ID, people)


def register(socketio: SocketIO) -> None:
    """Attach the presence handlers."""
    socketio.on_event("join_desk", guarded(db.own_session(join_desk)))
    socketio.on_event("desk_activity", guarded(db.own_session(activity)))
    socketio.on_event("leave_desk", guarded(db.own_session(leave_desk)))
