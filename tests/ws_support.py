"""A raw websocket client for tests that look at frames themselves: bytes, bits and order."""

from __future__ import annotations

import base64
import os
import struct
import zlib

DEFLATE_TAIL = b"\x00\x00\xff\xff"


def handshake(sock, host: str, path: str, deflate: bool = False, origin: str | None = None) -> str:
    """Send the upgrade request on a connected socket; return the server's response head."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"closed during the handshake: {head!r}")
        head += chunk
    return head.decode("latin-1")


def client_frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    """One masked frame as a client must send it."""
    mask = os.urandom(4)
    length = len(payload)
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class FrameReader:
    """Reads whole server frames off a socket: (first byte, payload, raw bytes of the frame)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self, size: int) -> bool:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def next_frame(self):
        """The next frame, or None when the connection ends (a cut-off tail is dropped)."""
        if not self._fill(2):
            return None
        first, second = self.buffer[0], self.buffer[1]
        length, offset = second & 0x7F, 2
        if length == 126:
            if not self._fill(4):
                return None
            length, offset = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            if not self._fill(10):
                return None
            length, offset = struct.unpack("!Q", self.buffer[2:10])[0], 10
        if not self._fill(offset + length):
            return None
        raw = self.buffer[: offset + length]
        self.buffer = self.buffer[offset + length :]
        return first, raw[offset:], raw


def text_of(first: int, payload: bytes) -> str:
    """A server text frame's text, inflated when its RSV1 bit says it is compressed."""
    if first & 0x40:
        payload = zlib.decompressobj(-15).decompress(payload + DEFLATE_TAIL)
    return payload.decode()
