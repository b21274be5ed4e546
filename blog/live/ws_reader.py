"""What a websocket client sends (RFC 6455, 5; RFC 7692): its frames in, whole messages out.

Showfloor's clients send short text messages and control frames. A general
protocol machine took about 10 us a message and 1.9 KiB of every open socket;
this reads exactly what the protocol allows a client to send, and refuses the
rest with the close code the RFC gives for it.
"""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

from blog.live.frames import DEFLATE_TAIL, FIN
from blog.live.frames import OPCODE_BINARY as BINARY
from blog.live.frames import OPCODE_TEXT as TEXT
from blog.live.frames import RSV1_COMPRESSED as RSV1

# Opcodes (RFC 6455, 5.2) besides text and binary, which the server sends too.
CONTINUATION, CLOSE, PING, PONG = 0x0, 0x8, 0x9, 0xA
CONTROL_OPCODES = (CLOSE, PING, PONG)
DATA_OPCODES = (CONTINUATION, TEXT, BINARY)
RSV2_3 = 0x30
MASKED = 0x80
MAX_CONTROL_PAYLOAD = 125
# Close codes (RFC 6455, 7.4.1).
NORMAL_CLOSURE = 1000
PROTOCOL_ERROR = 1002
UNSUPPORTED_DATA = 1003
NO_STATUS_RCVD = 1005
INVALID_PAYLOAD = 1007
MESSAGE_TOO_BIG = 1009
# Codes an endpoint may put in a close frame: the defined ones, and those of
# registered (3000-3999) and private (4000-4999) use.
_SENDABLE_CODES = frozenset([1000, 1001, 1002, 1003, *range(1007, 1015), *range(3000, 5000)])


class Violation(Exception):
    """The client broke the protocol; the connection closes with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Received(NamedTuple):
    """One thing the client said: a whole text message, a ping, or its close."""

    opcode: int
    text: str = ""
    payload: bytes = b""
    code: int = NO_STATUS_RCVD


class ClientFrames:
    """One connection's incoming frames: unmasked, reassembled, inflated, checked."""

    __slots__ = (
        "max_bytes",
        "_buffer",
        "_parts",
        "_size",
        "_compressed",
        "_inflate_bits",
        "_keep_context",
        "_inflater",
    )

    def __init__(
        self, max_bytes: int, inflate_bits: int | None = None, keep_context: bool = False
    ) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._parts: list[bytes] | None = None  # a data message in progress
        self._size = 0
        self._compressed = False
        # Negotiated permessage-deflate: the client's window, and whether it
        # carries its compression context from one message to the next.
        self._inflate_bits = inflate_bits
        self._keep_context = keep_context
        self._inflater: Any = None  # zlib's decompressor type has no public name

    def feed(self, data: bytes) -> tuple[list[Received], Violation | None]:
        """Take in bytes from the client: what they complete, in order, and any violation after it.

        Messages whole before a violation are still handed on (a refused
        packet must be seen, and logged, even if a bad frame came right after).
        """
        # One growing buffer, read by offset: a frame trickled in byte by byte
        # costs a little per byte, not a copy of all that came before.
        buffer = self._buffer
        buffer += data
        done: list[Received] = []
        offset = 0
        try:
            while (frame := self._next_frame(buffer, offset)) is not None:
                first, opcode, payload, offset = frame
                received = self._take(first, opcode, payload)
                if received is not None:
                    done.append(received)
                    if opcode == CLOSE:
                        offset = len(buffer)  # nothing after a close frame counts
                        break
        except Violation as violation:
            buffer.clear()
            return done, violation
        del buffer[:offset]
        return done, None

    def _next_frame(self, buffer: bytearray, at: int) -> tuple[int, int, bytes, int] | None:
        """The whole frame at offset at: its first byte, opcode, payload and where it ends."""
        if len(buffer) - at < 2:
            return None
        first, second = buffer[at], buffer[at + 1]
        opcode = first & 0x0F
        if not second & MASKED:
            raise Violation(PROTOCOL_ERROR, "client frames must be masked")
        self._check_header(first, opcode)
        length, start = second & 0x7F, at + 2
        if length >= 126:
            size = 2 if length == 126 else 8
            if len(buffer) < start + size:
                return None
            length, start = int.from_bytes(buffer[start : start + size], "big"), start + size
        self._check_length(opcode, length)
        end = start + 4 + length
        if len(buffer) < end:
            return None
        payload = _unmask(bytes(buffer[start + 4 : end]), bytes(buffer[start : start + 4]))
        return first, opcode, payload, end

    def _check_header(self, first: int, opcode: int) -> None:
        if first & RSV2_3:
            raise Violation(PROTOCOL_ERROR, "reserved bits set")
        if opcode not in CONTROL_OPCODES and opcode not in DATA_OPCODES:
            raise Violation(PROTOCOL_ERROR, f"unknown opcode {opcode}")
        if opcode == BINARY:
            raise Violation(UNSUPPORTED_DATA, "binary frames refused")
        if first & RSV1 and (opcode != TEXT or self._inflate_bits is None):
            raise Violation(PROTOCOL_ERROR, "RSV1 set without a compressed message")
        if opcode in CONTROL_OPCODES and not first & FIN:
            raise Violation(PROTOCOL_ERROR, "fragmented control frame")
        if opcode == CONTINUATION and self._parts is None:
            raise Violation(PROTOCOL_ERROR, "continuation without a message")
        if opcode == TEXT and self._parts is not None:
            raise Violation(PROTOCOL_ERROR, "new message before the last one ended")

    def _check_length(self, opcode: int, length: int) -> None:
        if opcode in CONTROL_OPCODES:
            if length > MAX_CONTROL_PAYLOAD:
                raise Violation(PROTOCOL_ERROR, "control frame too long")
        elif self._size + length > self.max_bytes:
            # Refused on the header: a message's bytes are never held past the limit.
            raise Violation(MESSAGE_TOO_BIG, "message too big")

    def _take(self, first: int, opcode: int, payload: bytes) -> Received | None:
        if opcode == PING:
            return Received(PING, payload=payload)
        if opcode == PONG:
            return None
        if opcode == CLOSE:
            return _close(payload)
        if opcode == TEXT:
            self._parts, self._size, self._compressed = [], 0, bool(first & RSV1)
        parts = self._parts
        assert parts is not None  # a continuation without a message was refused
        parts.append(payload)
        self._size += len(payload)
        if not first & FIN:
            return None
        self._parts, self._size = None, 0
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        return Received(TEXT, text=_text(self._inflate(data) if self._compressed else data))

    def _inflate(self, data: bytes) -> bytes:
        inflater = self._inflater if self._keep_context else None
        if inflater is None:
            inflater = zlib.decompressobj(-(self._inflate_bits or zlib.MAX_WBITS))
            if self._keep_context:
                self._inflater = inflater
        try:
            # At most one byte past the limit: a small message that inflates
            # to gigabytes is refused without ever being held whole.
            plain = inflater.decompress(data + DEFLATE_TAIL, self.max_bytes + 1)
        except zlib.error as exc:
            raise Violation(INVALID_PAYLOAD, "bad compressed data") from exc
        if len(plain) > self.max_bytes or inflater.unconsumed_tail:
            raise Violation(MESSAGE_TOO_BIG, "message too big")
        return plain


def _unmask(payload: bytes, key: bytes) -> bytes:
    """XOR the payload with the repeated 4-byte key, as one big integer (RFC 6455, 5.3)."""
    size = len(payload)
    if not size:
        return payload
    mask = (key * (size // 4 + 1))[:size]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")
    return value.to_bytes(size, "big")


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Violation(INVALID_PAYLOAD, "text is not UTF-8") from exc


def _close(payload: bytes) -> Received:
    """The client's close frame: its code (1005 when it gave none)."""
    if not payload:
        return Received(CLOSE)
    if len(payload) == 1:
        raise Violation(PROTOCOL_ERROR, "close frame with a one-byte code")
    code = int.from_bytes(payload[:2], "big")
    if code not in _SENDABLE_CODES:
        raise Violation(PROTOCOL_ERROR, f"close code {code} may not be sent")
    return Received(CLOSE, text=_text(payload[2:]), code=code)


def close_payload(code: int, reason: str = "") -> bytes:
    """A close frame's payload: the code, then the reason (empty for 1005, which is never sent)."""
    if code == NO_STATUS_RCVD:
        return b""
    return code.to_bytes(2, "big") + reason.encode()[: MAX_CONTROL_PAYLOAD - 2]
