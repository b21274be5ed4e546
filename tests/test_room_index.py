"""Each socket's rooms are indexed: the same answers as python-socketio's walk, without the walk."""

from __future__ import annotations

import random

import pytest
import socketio

from blog.live.broadcast import FrameOnceManager
from blog.live.repair import DeliveryLog

NAMESPACES = ("/", "/desk")
ROOMS = ("blog:1", "blog:2", "event:7", "desk:1")


def _manager(cls):
    """A client manager attached to a real (unstarted) Socket.IO server, as the app makes it."""
    manager = cls()
    socketio.Server(client_manager=manager)
    manager.initialize()
    return manager


def _state(manager) -> dict:
    """Everything the manager keeps per socket, in a form two managers can be compared by."""
    return {
        "rooms": {
            ns: {room: dict(members) for room, members in table.items()}
            for ns, table in manager.rooms.items()
        },
        "callbacks": sorted(manager.callbacks),
        "pending_connect": manager.pending_connect,
        "pending_disconnect": manager.pending_disconnect,
    }


class _Script:
    """One random run of connects, joins, leaves, closes and disconnects, played on a manager."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.steps: list[tuple] = []
        eio_sids = [f"e{n}" for n in range(40)]
        for _ in range(600):
            action = self.rng.choice(("connect", "pre", "enter", "enter", "leave", "close", "ack"))
            action = action if self.rng.random() > 0.15 else "disconnect"
            self.steps.append(
                (
                    action,
                    self.rng.choice(eio_sids),
                    self.rng.choice(NAMESPACES),
                    self.rng.choice(ROOMS),
                )
            )

    def play(self, manager) -> list:
        """Run the steps; return what get_rooms answered after each one."""
        # Each connection's Socket.IO sid, by the eio sid and namespace it came with.
        sids: dict[tuple[str, str], str] = {}
        answers = []
        for action, eio_sid, namespace, room in self.steps:
            sid = sids.get((eio_sid, namespace))
            if action in ("connect", "pre") and sid is None:
                sid = (manager.connect if action == "connect" else manager.pre_connect)(
                    eio_sid, namespace
                )
                sids[(eio_sid, namespace)] = sid
            elif action == "enter" and sid is not None:
                manager.enter_room(sid, namespace, room)
            elif action == "leave" and sid is not None:
                manager.leave_room(sid, namespace, room)
            elif action == "close":
                manager.close_room(room, namespace)
            elif action == "ack" and sid is not None:
                manager._generate_ack_id(sid, lambda *_: None)
            elif action == "disconnect" and sid is not None:
                manager.pre_disconnect(sid, namespace)
                manager.disconnect(sid, namespace)
                del sids[(eio_sid, namespace)]
            answers.append(
                {key: sorted(manager.get_rooms(s, key[1])) for key, s in sorted(sids.items())}
            )
        return answers


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("indexed", [FrameOnceManager, DeliveryLog])
def test_the_index_answers_as_python_socketios_walk(seed, indexed):
    script = _Script(seed)
    ours, theirs = _manager(indexed), _manager(socketio.Manager)
    # The same sids on both sides, drawn in the same order (the server's are random).
    draws = [f"s{n}" for n in range(10_000)]
    for manager in (ours, theirs):
        ids = iter(draws)
        manager.server.eio.generate_id = lambda ids=ids: next(ids)
    assert script.play(ours) == script.play(theirs)
    assert _state(ours) == _state(theirs)


def test_a_disconnect_left_nothing_of_the_socket_in_the_index():
    manager = _manager(FrameOnceManager)
    sid = manager.connect("e1", "/")
    manager.enter_room(sid, "/", "blog:1")
    manager.pre_disconnect(sid, "/")
    manager.disconnect(sid, "/")
    assert manager.rooms_of == {}
    assert manager.get_rooms(sid, "/") == []


class _CountingTable(dict):
    """A namespace's room table that counts how often it is walked or copied whole."""

    walks = 0

    def items(self):
        _CountingTable.walks += 1
        return super().items()

    def copy(self):
        _CountingTable.walks += 1
        return super().copy()

    def __iter__(self):
        _CountingTable.walks += 1
        return super().__iter__()


def test_a_disconnect_does_not_walk_every_room_of_the_namespace():
    """The walk made N readers dropping at once cost N squared."""
    manager = _manager(FrameOnceManager)
    sids = [manager.connect(f"e{n}", "/") for n in range(500)]
    for sid in sids:
        manager.enter_room(sid, "/", "blog:1")
    manager.rooms["/"] = _CountingTable(manager.rooms["/"])
    _CountingTable.walks = 0
    assert manager.get_rooms(sids[0], "/") == [sids[0], "blog:1"]
    manager.pre_disconnect(sids[0], "/")
    manager.disconnect(sids[0], "/")
    assert _CountingTable.walks == 0
    assert sids[0] not in manager.rooms["/"]["blog:1"]
    assert sids[0] not in manager.rooms["/"]


def test_the_redis_manager_uses_the_index_too():
    """In production the pub/sub layer sits above the index: nothing there may shadow it."""
    from blog.live.queue import ListeningRedisManager
    from blog.live.room_index import RoomIndex

    for name in ("basic_enter_room", "basic_leave_room", "basic_disconnect", "get_rooms"):
        assert getattr(ListeningRedisManager, name) is getattr(RoomIndex, name), name


def test_only_the_namespaces_none_room_is_a_bidict():
    """Rooms a socket enters are plain dicts; the lookups python-socketio makes still answer."""
    from bidict import bidict

    from blog.live.room_index import Room

    manager = _manager(FrameOnceManager)
    sid = manager.connect("e1", "/")
    manager.enter_room(sid, "/", "blog:1")
    table = manager.rooms["/"]
    assert type(table[None]) is bidict
    assert type(table[sid]) is Room and type(table["blog:1"]) is Room
    assert manager.sid_from_eio_sid("e1", "/") == sid
    assert list(manager.get_participants("/", "blog:1")) == [(sid, "e1")]
    assert manager.pre_connect("e1", "/") is None  # one connection, one sid: still refused
    other = manager.connect("e2", "/")
    with pytest.raises(ValueError, match="sid room"):
        manager.enter_room(other, "/", sid)
    assert table[sid] == {sid: "e1"}
    with pytest.raises(KeyError):  # a socket the namespace does not know
        manager.basic_enter_room("nobody", "/", "blog:9")
    assert "blog:9" not in table
    manager.close_room("blog:1", "/")
    assert "blog:1" not in table
