"""Broadcasts that build their websocket frame once and write it to every idle reader directly.

python-socketio encodes a broadcast once, then engine.io queues it per reader
for a writer greenlet that frames it again per reader. For readers on
Showfloor's websocket (blog/live/websocket.py) whose engine.io queue is empty, the
frame is written from the emitting greenlet instead; anyone else (long-polling,
mid-upgrade, behind on its queue, the test client) takes engine.io's own path,
so each reader still gets its messages in the order they were emitted.
"""

from __future__ import annotations

import socketio as socketio_lib
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from blog.live import engine_socket
from blog.live.frames import OutgoingMessage
from blog.live.room_index import RoomIndex
from blog.live.websocket import ShowfloorWebSocket


class FrameOnceManager(RoomIndex, socketio_lib.Manager):
    """The in-process client manager: broadcasts framed once, each socket's rooms indexed."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kw):
        """Emit to one client, a room or everyone; without an ack callback, frame it once."""
        if callback or namespace not in self.rooms:
            return super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kw
            )
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        messages = encode_once(self.server, event, data, namespace)
        sockets = self.server.eio.sockets
        # write_encoded's loop, inlined: it runs once per reader of every broadcast.
        for sid, eio_sid in self.get_participants(namespace, to or room):
            if sid in skip:
                continue
            eio_socket = sockets.get(eio_sid)
            ws = getattr(eio_socket, "showfloor_ws", None)
            for pkt, message in messages:
                if ws is None or not _write_direct(eio_socket, ws, message):
                    self.server._send_eio_packet(eio_sid, pkt)


def encode_once(server, event: str, data, namespace: str) -> list:
    """An event's Engine.IO packets, each with its shared frame: built once for many readers."""
    # As python-socketio does: a tuple is several arguments, None is none.
    args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
    pkt = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args])
    encoded = pkt.encode()
    parts = encoded if isinstance(encoded, list) else [encoded]
    messages = []
    for part in parts:
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, part)
        messages.append((eio_pkt, OutgoingMessage(eio_pkt.encode())))
    return messages


def write_encoded(server, eio_sid: str, messages: list) -> None:
    """Send encoded packets to one client: straight to its socket when idle, else via engine.io."""
    eio_socket = server.eio.sockets.get(eio_sid)
    ws = getattr(eio_socket, "showfloor_ws", None)
    for pkt, message in messages:
        if ws is None or not _write_direct(eio_socket, ws, message):
            server._send_eio_packet(eio_sid, pkt)


class FramedRun:
    """Several encoded packets for one reader, their frames joined once per kind of connection.

    A reader catching up gets its missed changes in one write instead of one
    per change; readers following from the same seq share the joined bytes.
    """

    __slots__ = ("messages", "_joined")

    def __init__(self, messages: list) -> None:
        self.messages = messages
        self._joined: dict[int | None, bytes] = {}

    def __len__(self) -> int:
        return len(self.messages)

    def frames(self, deflate_window_bits: int | None) -> bytes:
        """Every message's frame, in order, as one connection of this kind takes them."""
        joined = self._joined.get(deflate_window_bits)
        if joined is None:
            frames = (message.frame(deflate_window_bits) for _pkt, message in self.messages)
            joined = self._joined[deflate_window_bits] = b"".join(frames)
        return joined


def write_run(server, eio_sid: str, run: FramedRun) -> None:
    """Send a run of packets to one client: in one write when idle, else as write_encoded does."""
    eio_socket = server.eio.sockets.get(eio_sid)
    ws = getattr(eio_socket, "showfloor_ws", None)
    if ws is None or not _takes_frames_now(eio_socket, ws):
        write_encoded(server, eio_sid, run.messages)
    elif eio_socket.check_ping_timeout():
        ws.write(run.frames(ws.deflate_window_bits))


def _write_direct(eio_socket, ws, message: OutgoingMessage) -> bool:
    """Write the shared frame straight to an idle reader; False sends it through engine.io."""
    if not _takes_frames_now(eio_socket, ws):
        return False
    # engine.io checks for a ping timeout on every send; so does the direct path.
    if eio_socket.check_ping_timeout():
        ws.write(message.frame(ws.deflate_window_bits))
    return True


def _takes_frames_now(eio_socket, ws) -> bool:
    """True when nothing for this reader is waiting in engine.io's queue or on its socket.

    engine.io's writer takes a packet off the queue and hands it to ws.send,
    which never yields, in one go; so an empty queue and an idle socket mean
    every earlier packet is already written and a direct write keeps order.
    """
    return (
        eio_socket.upgraded
        and not eio_socket.upgrading
        and not eio_socket.closing
        and not eio_socket.closed
        and eio_socket.queue.empty()
        and ws.is_idle()
    )


def use_showfloor_websocket(server) -> None:
    """Serve engine.io's websocket transport with ShowfloorWebSocket (gevent only)."""
    eio = getattr(server, "eio", None)
    if eio is None or eio.async_mode != "gevent":
        return
    # Copied, not changed in place: the driver's table is shared by every
    # engine.io server in the process.
    eio._async = dict(eio._async, websocket=ShowfloorWebSocket)
    engine_socket.use_direct_sockets(eio)
