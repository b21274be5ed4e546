"""Inbound socket events: follow and unfollow a blog. Handlers read; they never write."""

from __future__ import annotations

import logging

from flask_socketio import SocketIO
from sqlalchemy.exc import SQLAlchemyError

from blog.content import hub, queries
from blog.content.permissions import can_review
from blog.live import (
    heads,
    light_events,
    presence,
    push,
    reader_counts,
    reconnects,
    repair,
    replays,
    socket_auth,
)
from blog.models import Event
from blog.models.base import client_int
from blog.platform import db
from blog.platform.errors import DATABASE_RETRY_AFTER_S
from blog.platform.extensions import (
    current_rooms,
    current_sid,
    join_room,
    leave_room,
    socket_server,
    socketio,
)
from blog.platform.socket_limits import guarded, guarded_connect, replay_allowed

# A follower further behind than this is told to reload instead of replaying.
MAX_REPLAY = 1000
# Changes read and sent between two yields to the event loop: a long replay
# must not hold up every other reader's frames and requests.
REPLAY_PAGE = 50
logger = logging.getLogger(__name__)


def _blog_id(data) -> int | None:
    if not isinstance(data, dict):
        return None
    return client_int(data.get("blog_id"))


def follow(data):
    """Join a blog's room, then replay every change after `since`; live changes follow.

    Joining first means a change committed during the replay reaches the
    reader twice at worst, and the client drops the older seq.
    """
    blog_id = _blog_id(data)
    since = client_int(data.get("since", 0) if isinstance(data, dict) else 0, minimum=0)
    if blog_id is None or since is None:
        return {"ok": False, "error": "follow needs {blog_id: int, since: int >= 0}"}
    room = push.blog_room(blog_id)
    joined = not _in_room(current_sid(), room)
    # Join before reading the head: every change past it then reaches this
    # reader live, so the replay stops at the head instead of asking again.
    join_room(room)
    try:
        known = _head_of(blog_id, room, since)
        if known is None:
            if joined:
                leave_room(room)
            return {"ok": False, "error": "no such blog"}
        if known - since > MAX_REPLAY:
            # Far behind (a tab asleep for hours): a fresh page is cheaper than
            # thousands of changes, and the page's own seq then takes over.
            return {"ok": True, "last_seq": known, "reload": True}
        repair.note_followed(room, known)
        if not replay_allowed(known - since):
            return _catch_up_over_http(known)
        sent = _replay(blog_id, since, known, current_sid())
    except SQLAlchemyError:
        logger.exception("follow failed")
        # Out of the room, even if it was in before: the client follows again
        # with its seq, and that follow's replay covers what it would miss.
        leave_room(room)
        if not joined:
            reader_counts.left(blog_id)
        return _unavailable()
    finally:
        db.session.remove()
    reader_counts.followed(blog_id, joined)
    # A client ahead of the server (a restored backup) must reload its page.
    return {"ok": True, "last_seq": max(sent, known) if since <= known else known}


def _head_of(blog_id: int, room: str, since: int) -> int | None:
    """The blog's head seq: from memory when fresh, else from its row (None: no such blog).

    A reader at or behind a head this process saw moments ago costs no query;
    one ahead of it (a push this process has not seen yet) asks the database.
    """
    known = heads.known(room)
    if known is not None and since <= known:
        return known
    blog = queries.blog_by_id(blog_id)
    if blog is None:
        return None
    heads.note(room, blog.last_seq)
    return blog.last_seq


def _unavailable() -> dict:
    """The answer to a follow the database could not serve now (docs/protocol.md, section 3)."""
    return {
        "ok": False,
        "error": "temporarily unavailable; retry",
        "retry_after": DATABASE_RETRY_AFTER_S,
    }


def _catch_up_over_http(known: int) -> dict:
    """The answer to a follow whose replay this connection may not have now.

    The socket stays in the room; the client fetches what it misses over the
    HTTP cursor, as it does for any gap (docs/protocol.md, rule 4).
    """
    return {"ok": True, "last_seq": known, "catch_up": "http"}


def _in_room(sid: str, room: str) -> bool:
    """Tell whether the socket is in the room, looking at that room alone.

    flask_socketio.rooms() walks every room of the namespace, one per connected
    socket, so a follow cost time in proportion to all readers: every reader
    re-follows every 30 s, which made the head checks quadratic in readers.
    """
    by_room = getattr(socket_server().manager, "rooms", None)
    if not isinstance(by_room, dict):  # a manager without the usual index
        return room in current_rooms()
    return sid in by_room.get("/", {}).get(room, ())


def _replay(blog_id: int, since: int, head: int, sid: str) -> int:
    """Send the changes after since up to head; return the last seq sent or known.

    A reader at the head (the 30 s head check) costs no query here at all; readers
    reconnecting from the same seq share one read and one encoding (blog/live/replays.py).
    """
    if since >= head:
        return since
    if head - since <= replays.MAX_RUN:
        run = replays.run((blog_id, since, head), lambda: _encoded_run(blog_id, since, head))
        push.send_run(run, sid)
        return run.last_seq if run.last_seq is not None else since
    for changes in queries.changes_in_pages(blog_id, since, head, REPLAY_PAGE):
        push.emit_replay(changes, sid)
        since = changes[-1].seq
        socketio.sleep(0)
    return since


def _encoded_run(blog_id: int, since: int, head: int) -> push.ReplayRun:
    changes = queries.changes_since(blog_id, since, limit=head - since)
    return push.replay_run([c for c in changes if c.seq <= head])


def unfollow(data):
    """Leave a blog's room."""
    blog_id = _blog_id(data)
    if blog_id is None:
        return {"ok": False, "error": "unfollow needs {blog_id: int}"}
    leave_room(push.blog_room(blog_id))
    reader_counts.left(blog_id)
    return {"ok": True}


def _event_id(data) -> int | None:
    return client_int(data.get("event_id") if isinstance(data, dict) else None)


def follow_event(data):
    """Join an event's hub room, then replay its hub changes after `since` (as follow does)."""
    event_id = _event_id(data)
    since = client_int(data.get("since", 0) if isinstance(data, dict) else 0, minimum=0)
    if event_id is None or since is None:
        return {"ok": False, "error": "follow_event needs {event_id: int, since: int >= 0}"}
    room = push.event_room(event_id)
    try:
        event = hub.event_by_id(event_id)
        if event is None:
            return {"ok": False, "error": "no such event"}
        known = event.last_seq
        join_room(room)
        repair.note_followed(room, known)
        if known - since > MAX_REPLAY:
            return {"ok": True, "last_seq": known, "reload": True}
        if not replay_allowed(known - since):
            return _catch_up_over_http(known)
        sent = _replay_event(event_id, since, current_sid())
    except SQLAlchemyError:
        logger.exception("follow_event failed")
        leave_room(room)  # as follow does: the next follow_event replays what it missed
        return _unavailable()
    finally:
        db.session.remove()
    return {"ok": True, "last_seq": max(sent, known) if since <= known else known}


def _replay_event(event_id: int, since: int, sid: str) -> int:
    while True:
        changes = hub.event_changes_since(event_id, since, limit=REPLAY_PAGE)
        if not changes:
            return since
        push.emit_event_replay(changes, sid)
        since = changes[-1].seq
        socketio.sleep(0)


def unfollow_event(data):
    """Leave an event's hub room."""
    event_id = _event_id(data)
    if event_id is None:
        return {"ok": False, "error": "unfollow_event needs {event_id: int}"}
    leave_room(push.event_room(event_id))
    return {"ok": True}


def connect(auth=None):
    """Accept every socket; note which account a logged-in one belongs to."""
    socket_auth.remember(current_sid())


def hello(_data=None):
    """Tell a client that just connected how to spread its reconnects (docs/protocol.md)."""
    return reconnects.hello()


def disconnect(*_reason):
    """Forget a closed socket and recount the readers of the blogs it followed."""
    socket_auth.forget(current_sid())
    reader_counts.left_rooms(current_rooms())
    presence.leave_desk()


def review_follow(data):
    """Join an event's editors-only review room, if the socket's account may review there now."""
    event_id = _event_id(data)
    if event_id is None:
        return {"ok": False, "error": "review_follow needs {event_id: int}"}
    try:
        # Re-read the account: the session copy is from connect time.
        user = socket_auth.session_user()
        event = db.session.get(Event, event_id)
        if event is None or not can_review(user, event):
            return {"ok": False, "error": "Only the event's editors may follow its review queue."}
        join_room(push.review_room(event_id))
    finally:
        db.session.remove()
    return {"ok": True}


def review_unfollow(data):
    """Leave an event's review room."""
    event_id = _event_id(data)
    if event_id is None:
        return {"ok": False, "error": "review_unfollow needs {event_id: int}"}
    leave_room(push.review_room(event_id))
    return {"ok": True}


def register(socketio: SocketIO) -> None:
    """Attach the handlers to the Socket.IO server.

    What every reader sends runs as a light event (blog/live/light_events.py);
    what reads the socket's session after connect runs in Flask-SocketIO's
    request context.
    """
    server = socket_server()
    light_events.serve_batches_in_app_context(server)
    light_events.on_connect(server, guarded_connect(db.own_session(connect)))
    light_events.on_event(server, "disconnect", db.own_session(disconnect))
    # New connections are counted before Socket.IO sees them (socket_limits.ConnectLimit);
    # every event, a namespace connect included, counts against its connection's limit.
    for name, handler in (
        ("hello", hello),
        ("follow", reconnects.with_window(follow)),
        ("unfollow", unfollow),
        ("follow_event", reconnects.with_window(follow_event)),
        ("unfollow_event", unfollow_event),
    ):
        light_events.on_event(server, name, guarded(db.own_session(handler)))
    for name, handler in (
        ("review_follow", review_follow),
        ("review_unfollow", review_unfollow),
    ):
        socketio.on_event(name, guarded(db.own_session(handler)))
    presence.register(socketio)
