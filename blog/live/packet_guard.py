"""Inbound Socket.IO packets checked before python-socketio parses, buffers or dispatches them.

Showfloor's clients send only small text events. A binary-event packet makes
python-socketio keep every following message as an attachment until the
count it announced is met, with no bound on their total: it is refused with
the connection. A packet that does not parse used to log a traceback each
time and leave the socket open: it now counts against the connection's event
limit, is logged once per connection, and closes the connection past the limit.

Each packet is parsed once, by python-socketio: Showfloor's packet class
(the server's documented `serializer` hook) raises MalformedPacket for what a
client got wrong, which the guard tells apart from any error of a handler.
"""

from __future__ import annotations

import logging

from flask import Flask
from socketio import packet as sio_packet

from blog.platform.socket_limits import connection_count

logger = logging.getLogger(__name__)

# Socket.IO packet types a client of ours may send: CONNECT, DISCONNECT,
# EVENT and ACK. BINARY_EVENT (5) and BINARY_ACK (6) are refused outright.
ACCEPTED_TYPES = frozenset(
    str(t) for t in (sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT, sio_packet.ACK)
)
BINARY_TYPES = frozenset(str(t) for t in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK))


class MalformedPacket(ValueError):
    """A client's Socket.IO packet that does not parse."""


class ShowfloorPacket(sio_packet.Packet):
    """python-socketio's packet: a parse failure named as such, and binary found with less work."""

    def decode(self, encoded_packet):
        """Parse a packet a client sent; MalformedPacket if it does not parse."""
        try:
            return super().decode(encoded_packet)
        except (ValueError, TypeError, IndexError) as exc:
            raise MalformedPacket(str(exc)) from exc

    @classmethod
    def data_is_binary(cls, data) -> bool:
        """Whether data holds bytes anywhere; stops at the first (python-socketio looks at all)."""
        if isinstance(data, (bytes, bytearray)):
            return True
        if isinstance(data, list):
            return any(cls.data_is_binary(item) for item in data)
        if isinstance(data, dict):
            return any(cls.data_is_binary(item) for item in data.values())
        return False


class PacketGuard:
    """Engine.IO's message handler in front of python-socketio's."""

    def __init__(self, app: Flask, server, handle_message) -> None:
        self.app = app
        self.server = server
        self.handle_message = handle_message

    def __call__(self, eio_sid: str, data) -> None:
        """Pass a well-formed text packet on; close on binary; count a malformed one."""
        if isinstance(data, bytes) or data[:1] in BINARY_TYPES:
            self._close(eio_sid, "sent binary data, which Showfloor never takes")
            return
        if data[:1] not in ACCEPTED_TYPES:
            self._malformed(eio_sid, data)
            return
        try:
            # python-socketio parses the packet before anything else is done with it.
            self.handle_message(eio_sid, data)
        except MalformedPacket:
            self._malformed(eio_sid, data)

    def _malformed(self, eio_sid: str, data: str) -> None:
        environ = self.server.environ.get(eio_sid)
        if environ is None:  # packets that were on their way when the connection ended
            return
        if connection_count(environ, "socket_event").exceeded:
            self._close(eio_sid, "went on sending malformed packets past its event limit")
            return
        eio_socket = self.server.eio.sockets.get(eio_sid)
        if eio_socket is not None and not getattr(eio_socket, "showfloor_malformed", False):
            # Once per connection: a flood of bad frames must not flood the log.
            eio_socket.showfloor_malformed = True
            logger.warning("socket %s sent a malformed packet: %.60r", eio_sid, data)

    def _close(self, eio_sid: str, why: str) -> None:
        eio_socket = self.server.eio.sockets.get(eio_sid)
        if eio_socket is None or eio_socket.closing or eio_socket.closed:
            return  # packets that were already on their way when it closed
        logger.warning("socket %s closed: it %s", eio_sid, why)
        self.server.eio.disconnect(eio_sid)


def guard_packets(app: Flask, server) -> None:
    """Put the packet checks in front of the Socket.IO server's Engine.IO message handler."""
    if not issubclass(server.packet_class, ShowfloorPacket):
        raise RuntimeError("the packet guard needs serializer=ShowfloorPacket on the server")
    eio = server.eio
    eio.on("message", PacketGuard(app, server, eio.handlers["message"]))
