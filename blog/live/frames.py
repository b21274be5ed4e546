"""Websocket frames the server sends, built once per message and shared by every reader."""

from __future__ import annotations

import struct
import zlib

OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
FIN = 0x80
RSV1_COMPRESSED = 0x40
# A deflate stream flushed with Z_SYNC_FLUSH ends in these four bytes;
# permessage-deflate (RFC 7692, 7.2.1) leaves them off the wire.
DEFLATE_TAIL = b"\x00\x00\xff\xff"
# Below this a deflated message saves a few bytes for a zlib call per message.
COMPRESS_MIN_BYTES = 256
DEFLATE_LEVEL = 6


def frame_header(opcode: int, length: int, compressed: bool = False) -> bytes:
    """The header of one unfragmented, unmasked frame (server frames are never masked)."""
    first = FIN | opcode | (RSV1_COMPRESSED if compressed else 0)
    if length < 126:
        return struct.pack("!BB", first, length)
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


def control_frame(opcode: int, payload: bytes) -> bytes:
    """A control frame (close, ping, pong): never fragmented, its payload at most 125 bytes."""
    return frame_header(opcode, len(payload)) + payload


def deflate_message(payload: bytes, window_bits: int) -> bytes:
    """Compress one message on its own (no context carried over), as permessage-deflate sends it."""
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -window_bits)
    body = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return body[: -len(DEFLATE_TAIL)] if body.endswith(DEFLATE_TAIL) else body


class OutgoingMessage:
    """One message's bytes on the wire, plain and deflated, each built at most once.

    Server-to-client frames carry no mask, and with server_no_context_takeover a
    deflated message depends only on its text and window size, so one broadcast
    builds its frame once and writes the same bytes to every reader.
    """

    __slots__ = ("payload", "opcode", "_plain", "_deflated")

    def __init__(self, data: str | bytes) -> None:
        if isinstance(data, str):
            self.payload, self.opcode = data.encode(), OPCODE_TEXT
        else:
            self.payload, self.opcode = bytes(data), OPCODE_BINARY
        self._plain: bytes | None = None
        self._deflated: dict[int, bytes] = {}

    def frame(self, deflate_window_bits: int | None) -> bytes:
        """The frame for a connection: deflated when it negotiated compression and it pays."""
        if deflate_window_bits and len(self.payload) >= COMPRESS_MIN_BYTES:
            frame = self._deflated.get(deflate_window_bits)
            if frame is None:
                body = deflate_message(self.payload, deflate_window_bits)
                frame = frame_header(self.opcode, len(body), compressed=True) + body
                self._deflated[deflate_window_bits] = frame
            return frame
        if self._plain is None:
            self._plain = frame_header(self.opcode, len(self.payload)) + self.payload
        return self._plain
