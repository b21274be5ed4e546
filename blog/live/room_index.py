"""Which rooms each socket is in, kept as sockets enter and leave rooms.

python-socketio's manager maps rooms to their sockets and nothing the other
way round. Asked which rooms one socket is in, it walks every room of the
namespace, and every socket has a room of its own; a disconnect asks twice
(Showfloor's handler for the rooms to recount, the manager to leave them),
copying the whole table once. With N readers connected a disconnect cost time
in proportion to N, so N readers dropping together (a venue's Wi-Fi, a deploy's
drain) cost N squared: 16 s of CPU for 8,000 readers. With this index a
disconnect costs what the socket's own few rooms cost.
"""

from __future__ import annotations


class Room(dict):
    """A room's members (sid -> eio_sid): a plain dict where python-socketio makes a bidict.

    Only the namespace's None room, every connected socket's, is ever looked up
    the other way (eio_sid -> sid) or must refuse a second sid for one
    connection; it stays a bidict. A socket's own room and a blog's room need
    neither: a dict takes an entry in a seventh of the time (0.14 against 1.1 µs
    to set and pop one) and is 184 bytes against 424, and a reader is in one of each.
    """

    @property
    def _fwdm(self) -> Room:
        # python-socketio reads a room's forward mapping by the bidict's own name.
        return self


class RoomIndex:
    """A client manager mixin: each socket's rooms, for get_rooms and basic_disconnect.

    python-socketio changes its room table only in basic_enter_room and
    basic_leave_room (tests/test_transport_internals.py holds it to that), so
    keeping the index there keeps it exact.
    """

    rooms: dict
    callbacks: dict
    pending_connect: dict
    pending_disconnect: dict

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # namespace -> sid -> its rooms in the order it entered them, the None room (every
        # connected socket's) included. A short list: a reader is in three rooms, and a
        # list of three is half the memory of a set or dict of three.
        self.rooms_of: dict[str, dict[str, list]] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        """Enter the room as python-socketio does, then note it for the socket.

        A new room other than the None room is made a Room first, which
        python-socketio then fills as it would its own.
        """
        rooms = self.rooms.get(namespace)
        made = None
        if rooms is not None and room is not None and room not in rooms:
            made = rooms[room] = Room()
        try:
            super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]  # a mixin
        except Exception:
            if made is not None and not made and rooms is not None:
                del rooms[room]  # refused (a sid room entered by another socket): not kept
            raise
        joined = self.rooms_of.setdefault(namespace, {}).setdefault(sid, [])
        if room not in joined:
            joined.append(room)

    def basic_leave_room(self, sid, namespace, room):
        """Leave the room as python-socketio does, then forget it for the socket."""
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]  # a mixin
        by_sid = self.rooms_of.get(namespace, {})
        joined = by_sid.get(sid)
        if joined is not None and room in joined:
            joined.remove(room)
            if not joined:
                del by_sid[sid]
                if not by_sid:
                    del self.rooms_of[namespace]

    def get_rooms(self, sid, namespace):
        """The rooms the socket is in, its own included, as python-socketio answers."""
        return [room for room in self.rooms_of.get(namespace, {}).get(sid, ()) if room is not None]

    def basic_disconnect(self, sid, namespace, **kwargs):
        """Leave the socket's rooms and drop what the manager kept for it, without a walk.

        The same steps as python-socketio's own after it has found the rooms.
        """
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get(namespace, {}).get(sid, ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]
