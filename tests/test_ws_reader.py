"""A websocket client's frames read into messages; each protocol breach refused with its code."""

from __future__ import annotations

import os
import zlib

import pytest

from blog.live import ws_reader
from blog.live.ws_reader import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    ClientFrames,
    close_payload,
)

LIMIT = 1000


def frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, masked: bool = True):
    """A client frame, masked with a random key as a browser sends it."""
    first = (0x80 if fin else 0) | rsv | opcode
    size = len(payload)
    if size < 126:
        head = bytes([first, (0x80 if masked else 0) | size])
    elif size < 1 << 16:
        head = bytes([first, (0x80 if masked else 0) | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([first, (0x80 if masked else 0) | 127]) + size.to_bytes(8, "big")
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def deflated(compressor, text: str) -> bytes:
    body = compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert body.endswith(ws_reader.DEFLATE_TAIL)
    return body[: -len(ws_reader.DEFLATE_TAIL)]


def texts(received) -> list[str]:
    return [r.text for r in received if r.opcode == TEXT]


def refused(frames: ClientFrames, data: bytes) -> int:
    received, violation = frames.feed(data)
    assert violation is not None, received
    return violation.code


def test_a_text_message_in_one_frame():
    received, violation = ClientFrames(LIMIT).feed(frame(TEXT, b'421["follow",{}]'))
    assert violation is None and texts(received) == ['421["follow",{}]']


def test_several_frames_in_one_read_and_one_frame_over_many_reads():
    frames = ClientFrames(LIMIT)
    data = frame(TEXT, b"40") + frame(TEXT, "héllo".encode()) + frame(TEXT, b"x" * 300)
    assert texts(frames.feed(data)[0]) == ["40", "héllo", "x" * 300]
    trickled = frame(TEXT, b"y" * 200)
    got = [r for i in range(len(trickled)) for r in frames.feed(trickled[i : i + 1])[0]]
    assert texts(got) == ["y" * 200]


def test_a_fragmented_message_is_joined_and_a_ping_may_come_between():
    frames = ClientFrames(LIMIT)
    data = (
        frame(TEXT, b"hel", fin=False)
        + frame(PING, b"are you there")
        + frame(CONTINUATION, b"lo", fin=False)
        + frame(CONTINUATION, b"!")
    )
    received, violation = frames.feed(data)
    assert violation is None
    assert [(r.opcode, r.payload or r.text) for r in received] == [
        (PING, b"are you there"),
        (TEXT, "hello!"),
    ]


def test_pongs_are_taken_and_nothing_is_answered():
    assert ClientFrames(LIMIT).feed(frame(PONG, b"")) == ([], None)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(TEXT, b"x", masked=False), 1002),
        (frame(TEXT, b"x", rsv=0x20), 1002),
        (frame(0x3, b"x"), 1002),
        (frame(BINARY, b"\0"), 1003),
        (frame(TEXT, b"x", rsv=0x40), 1002),  # compressed, but no compression was agreed
        (frame(PING, b"x", fin=False), 1002),
        (frame(PING, b"x" * 126), 1002),
        (frame(CONTINUATION, b"x"), 1002),
        (frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002),
        (frame(TEXT, b"\xff\xfe"), 1007),
        (frame(CLOSE, b"\x03"), 1002),
        (frame(CLOSE, (1005).to_bytes(2, "big")), 1002),
        (frame(CLOSE, (999).to_bytes(2, "big")), 1002),
        (frame(CLOSE, (1000).to_bytes(2, "big") + b"\xff"), 1007),
    ],
    ids=[
        "unmasked",
        "reserved bit",
        "unknown opcode",
        "binary",
        "rsv1 uncompressed",
        "fragmented ping",
        "long ping",
        "stray continuation",
        "message inside a message",
        "not utf-8",
        "one-byte close",
        "close 1005 on the wire",
        "close 999",
        "close reason not utf-8",
    ],
)
def test_a_breach_is_refused_with_the_rfcs_code(data, code):
    assert refused(ClientFrames(LIMIT), data) == code


def test_a_message_past_the_limit_is_refused_on_its_header():
    frames = ClientFrames(LIMIT)
    header_only = frame(TEXT, b"x" * (LIMIT + 1))[:14]  # the payload never needs to come
    assert refused(frames, header_only) == 1009
    fragments = frame(TEXT, b"x" * 600, fin=False) + frame(CONTINUATION, b"x" * 600)
    assert refused(ClientFrames(LIMIT), fragments) == 1009


def test_what_came_before_a_breach_is_still_handed_on():
    received, violation = ClientFrames(LIMIT).feed(frame(TEXT, b"45-[]") + frame(BINARY, b"\0"))
    assert texts(received) == ["45-[]"] and violation is not None and violation.code == 1003


def test_a_close_gives_its_code_and_reason_and_ends_the_reading():
    frames = ClientFrames(LIMIT)
    close = frame(CLOSE, (1001).to_bytes(2, "big") + b"going away")
    received, violation = frames.feed(close + frame(TEXT, b"after"))
    assert violation is None
    assert [(r.opcode, r.code, r.text) for r in received] == [(CLOSE, 1001, "going away")]
    assert ClientFrames(LIMIT).feed(frame(CLOSE, b""))[0][0].code == 1005
    assert ClientFrames(LIMIT).feed(frame(CLOSE, (4000).to_bytes(2, "big")))[0][0].code == 4000


def test_close_payloads_carry_the_code_except_1005():
    assert close_payload(1000, "bye") == b"\x03\xe8bye"
    assert close_payload(1005) == b""
    assert len(close_payload(1002, "x" * 300)) == 125


def test_compressed_messages_are_inflated_each_on_its_own():
    frames = ClientFrames(LIMIT, inflate_bits=15)
    first = deflated(zlib.compressobj(6, zlib.DEFLATED, -15), "hello " * 20)
    second = deflated(zlib.compressobj(6, zlib.DEFLATED, -15), "again " * 20)
    data = frame(TEXT, first, rsv=0x40) + frame(TEXT, b"plain") + frame(TEXT, second, rsv=0x40)
    assert texts(frames.feed(data)[0]) == ["hello " * 20, "plain", "again " * 20]


def test_a_client_keeping_its_context_is_followed_from_message_to_message():
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    frames = ClientFrames(LIMIT, inflate_bits=15, keep_context=True)
    for text in ("the same words " * 5, "the same words " * 5):
        received, violation = frames.feed(frame(TEXT, deflated(compressor, text), rsv=0x40))
        assert violation is None and texts(received) == [text]


def test_a_compressed_bomb_is_refused_without_being_inflated_whole():
    limit = 100_000
    bomb = deflated(zlib.compressobj(9, zlib.DEFLATED, -15), "0" * 50_000_000)
    assert len(bomb) < limit  # 50 MB once inflated
    assert refused(ClientFrames(limit, inflate_bits=15), frame(TEXT, bomb, rsv=0x40)) == 1009


def test_garbage_that_claims_to_be_compressed_is_refused():
    data = frame(TEXT, b"\xff\xff\xff\xff not deflate", rsv=0x40)
    assert refused(ClientFrames(LIMIT, inflate_bits=15), data) == 1007
