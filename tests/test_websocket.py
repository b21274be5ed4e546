"""Showfloor's websocket under engine.io, on gevent's real WSGI server over real TCP.

The server runs in this process's gevent hub and the clients use gevent
sockets, so each wait on a client socket lets the server's greenlets run.
"""

from __future__ import annotations

import socket
import time
import zlib

import engineio
import gevent
import gevent.select
import pytest
from gevent import pywsgi
from gevent import socket as gsocket
from gevent.queue import Queue
from ws_support import FrameReader, client_frame, handshake, text_of

from blog.live import websocket
from blog.live.frames import OutgoingMessage, frame_header
from blog.live.websocket import ShowfloorWebSocket
from blog.platform.http_server import ShowfloorServer, handler_class

MAX_MESSAGE = 16 * 1024


@pytest.fixture
def ws_server():
    """A gevent WSGI server whose every request upgrades; the test gets each connection."""
    eio = engineio.Server(async_mode="gevent", max_http_buffer_size=MAX_MESSAGE)
    connections: Queue = Queue()

    def session(ws):
        # Stands in for engine.io's handler: hand the connection over, echo until it ends.
        connections.put(ws)
        while (message := ws.wait()) is not None:
            ws.send(message)
        connections.put(None)
        return []

    def app(environ, start_response):
        return ShowfloorWebSocket(session, eio)(environ, start_response)

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, log=None)
    server.start()
    yield server, connections
    server.stop(timeout=1)


def connect(server, deflate=False, receive_buffer=None):
    """A raw client socket after the handshake, and its frame reader."""
    sock = gsocket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", server.server_port))
    head = handshake(sock, f"127.0.0.1:{server.server_port}", "/", deflate=deflate)
    assert head.startswith("HTTP/1.1 101")
    return sock, FrameReader(sock), head


def small_buffers(ws_server):
    """A connection whose kernel buffers fill after a few KiB each way."""
    server, connections = ws_server
    sock, frames, _ = connect(server, receive_buffer=4096)
    ws = connections.get(timeout=5)
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return sock, frames, ws


def numbered(n: int, size: int) -> bytes:
    """A text frame of about size bytes that says its number first."""
    return OutgoingMessage(f"{n:06d}".ljust(size, "x")).frame(None)


def test_messages_echo_and_pings_are_answered(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server)
    connections.get(timeout=5)
    sock.sendall(client_frame(b"ping?", opcode=0x9))
    # One message in two fragments, the second in a separate TCP write.
    sock.sendall(client_frame(b"hello ", fin=False))
    gevent.sleep(0)
    sock.sendall(client_frame(b"floor", opcode=0x0))
    first, payload, _ = frames.next_frame()
    assert (first, payload) == (0x8A, b"ping?")  # the pong, unmasked
    assert text_of(*frames.next_frame()[:2]) == "hello floor"
    sock.close()


def test_a_message_past_the_limit_closes_the_connection_before_it_is_whole(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server)
    connections.get(timeout=5)
    sock.sendall(client_frame(b"x" * (MAX_MESSAGE // 2), fin=False))
    sock.sendall(client_frame(b"x" * (MAX_MESSAGE // 2 + 10), opcode=0x0, fin=False))
    first, payload, _ = frames.next_frame()
    assert first == 0x88 and int.from_bytes(payload[:2], "big") == 1009
    assert connections.get(timeout=5) is None  # wait() said the connection is over
    assert frames.next_frame() is None
    sock.close()


def test_compression_is_offered_without_context_takeover_and_used_for_large_messages(ws_server):
    server, connections = ws_server
    sock, frames, head = connect(server, deflate=True)
    assert "permessage-deflate" in head and "server_no_context_takeover" in head
    ws = connections.get(timeout=5)
    text = "The keynote starts with a demo of the new phone. " * 20
    ws.send(text)
    ws.send("2")
    big, small = frames.next_frame(), frames.next_frame()
    assert big[0] == 0xC1 and len(big[1]) < len(text) // 4  # RSV1: compressed
    assert text_of(*big[:2]) == text
    assert small[:2] == (0x81, b"2")  # too small to be worth a zlib call
    sock.close()


def test_a_client_that_compresses_its_messages_is_understood(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server, deflate=True)
    connections.get(timeout=5)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)  # its context kept between messages
    for text in ("Applause as the phone is shown. " * 8, "Applause as the phone is shown. " * 8):
        body = compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
        packed = client_frame(body[:-4])  # without the 00 00 ff ff every message ends in
        sock.sendall(bytes([packed[0] | 0x40]) + packed[1:])  # RSV1: compressed
        assert text_of(*frames.next_frame()[:2]) == text
    sock.close()


def test_the_clients_close_is_answered_and_ends_the_connection(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server)
    connections.get(timeout=5)
    sock.sendall(client_frame((1001).to_bytes(2, "big") + b"going away", opcode=0x8))
    first, payload, _ = frames.next_frame()
    assert first == 0x88 and int.from_bytes(payload[:2], "big") == 1001
    assert connections.get(timeout=5) is None
    assert frames.next_frame() is None  # and the server closed its side
    sock.close()


@pytest.fixture
def parked_server():
    """Showfloor's own HTTP server whose websockets park, echoing each batch, noting when."""
    eio = engineio.Server(async_mode="gevent", max_http_buffer_size=MAX_MESSAGE)
    served: list = []
    connections: Queue = Queue()

    def session(ws):
        def serve():
            served.append("served")
            alive = ws.read_available()
            while (message := ws.next_message()) is not None:
                ws.send(message)
            ws.resume() if alive else ws.end_parked()

        ws.park(serve)
        connections.put(ws)
        return []

    def app(environ, start_response):
        if environ.get("HTTP_UPGRADE"):
            served.append("upgrade")
        return ShowfloorWebSocket(session, eio)(environ, start_response)

    server = ShowfloorServer(("127.0.0.1", 0), app, handler_class=handler_class(10.0), log=None)
    server.start()
    yield server, connections, served
    server.stop(timeout=1)


def queue_busy_greenlets(served: list, count: int = 100) -> None:
    """Queue greenlets of 0.2 ms of work each, noted in served as they run.

    Together they take more than gevent's slice for running queued greenlets
    (5 ms) before it looks at sockets again: an upgrade storm's queue, in small.
    """

    def busy():
        until = time.perf_counter() + 0.0002
        while time.perf_counter() < until:
            pass
        served.append("queued")

    for _ in range(count):
        gevent.spawn_raw(busy)


def test_an_open_sockets_message_is_served_before_greenlets_waiting_their_turn(parked_server):
    server, connections, served = parked_server
    sock, frames, _ = connect(server)
    connections.get(timeout=5)
    queue_busy_greenlets(served)
    sock.sendall(client_frame(b"hello"))
    assert text_of(*frames.next_frame()[:2]) == "hello"
    # Served at the first look at the sockets, not behind the hundred.
    assert served[: served.index("served")].count("queued") < 100
    sock.close()


def test_an_upgrade_waits_its_turn_behind_greenlets_already_waiting(parked_server):
    server, _, served = parked_server
    sock = gsocket.create_connection(("127.0.0.1", server.server_port))
    # A first request: the connection's handler then waits for the next one, and
    # is resumed the moment it comes, ahead of the greenlets queued meanwhile.
    sock.sendall(b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n")
    read_answer(sock)
    del served[:]
    queue_busy_greenlets(served)
    assert handshake(sock, "example.test", "/").startswith("HTTP/1.1 101")
    assert served[:101] == ["queued"] * 100 + ["upgrade"]  # answered after all of them
    sock.close()


def read_answer(sock) -> bytes:
    """One whole HTTP answer with a Content-Length body."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    head, _, body = answer.partition(b"\r\n\r\n")
    fields = dict(line.partition(b": ")[::2] for line in head.split(b"\r\n")[1:])
    length = int({k.lower(): v for k, v in fields.items()}[b"content-length"])
    while len(body) < length:
        body += sock.recv(4096)
    return head


def test_a_reader_that_stops_reading_gets_every_frame_in_order_later(ws_server):
    sock, frames, ws = small_buffers(ws_server)
    count, size = 150, 8 * 1024
    for n in range(count):
        ws.write(numbered(n, size))  # never waits, however far behind the reader is
    assert not ws.is_idle(), "the kernel buffers should have filled and frames queued"
    received = [int(text_of(*frames.next_frame()[:2])[:6]) for _ in range(count)]
    assert received == list(range(count))
    gevent.sleep(0)
    assert ws.is_idle()
    sock.close()


def test_a_reader_too_far_behind_is_cut_off_and_what_it_got_is_in_order(ws_server):
    sock, frames, ws = small_buffers(ws_server)
    size = 64 * 1024
    sent = websocket.MAX_PENDING_BYTES // size + 64
    for n in range(sent):
        ws.write(numbered(n, size))
    assert ws.closed
    received = []
    while (frame := frames.next_frame()) is not None:
        received.append(int(text_of(*frame[:2])[:6]))
    assert received == list(range(len(received))) and len(received) < sent
    assert ws_server[1].get(timeout=5) is None
    sock.close()


def _readable(sock) -> bool:
    return bool(gevent.select.select([sock], [], [], 0)[0])


def test_corked_frames_leave_together_in_order_when_uncorked(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server)
    ws = connections.get(timeout=5)
    ws.cork()
    for n in range(3):
        ws.write(numbered(n, 100))
    gevent.sleep(0)
    assert not _readable(sock), "corked frames must wait for uncork()"
    ws.uncork()
    assert [int(text_of(*frames.next_frame()[:2])[:6]) for _ in range(3)] == [0, 1, 2]
    ws.write(numbered(3, 100))  # uncorked: written at once again
    assert int(text_of(*frames.next_frame()[:2])[:6]) == 3
    sock.close()


def test_corked_frames_past_the_bound_leave_without_waiting_for_uncork(ws_server):
    server, connections = ws_server
    sock, frames, _ = connect(server)
    ws = connections.get(timeout=5)
    ws.cork()
    frame_bytes = len(numbered(0, 1024))
    count = -(-websocket.CORK_MAX_BYTES // frame_bytes)  # these reach the bound
    for n in range(count):
        ws.write(numbered(n, 1024))
    received = [int(text_of(*frames.next_frame()[:2])[:6]) for _ in range(count)]
    assert received == list(range(count))
    ws.uncork()
    sock.close()


def test_one_message_is_framed_once_for_every_reader():
    message = OutgoingMessage("4" + "x" * 500)
    assert message.frame(None) is message.frame(None)
    assert message.frame(15) is message.frame(15)
    frame = message.frame(15)
    assert frame[0] == 0xC1 and frame[1] < 126  # compressed, and small enough for a short header
    inflated = zlib.decompressobj(-15).decompress(frame[2:] + b"\x00\x00\xff\xff")
    assert inflated == b"4" + b"x" * 500


@pytest.mark.parametrize(
    ("length", "header"),
    [
        (125, b"\x81\x7d"),
        (126, b"\x81\x7e\x00\x7e"),
        (65535, b"\x81\x7e\xff\xff"),
        (65536, b"\x81\x7f" + (65536).to_bytes(8, "big")),
    ],
)
def test_frame_headers_pick_the_length_encoding_at_each_boundary(length, header):
    assert frame_header(0x1, length) == header


def raw_upgrade(server, lines: list[str]) -> str:
    """Send an upgrade request of exactly these header lines; return the answer's head."""
    sock = gsocket.create_connection(("127.0.0.1", server.server_port))
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
        return answer.decode("latin-1")
    finally:
        sock.close()


VALID_UPGRADE = [
    "GET / HTTP/1.1",
    "Host: example.test",
    "Upgrade: websocket",
    "Connection: keep-alive, Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
]


def test_the_handshake_answers_with_the_rfc_accept_token(ws_server):
    server, _ = ws_server
    head = raw_upgrade(server, VALID_UPGRADE)
    assert head.startswith("HTTP/1.1 101")
    # RFC 6455, section 1.3: this key's answer.
    assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    assert "Sec-WebSocket-Extensions" not in head


def test_deflate_is_agreed_without_context_takeover(ws_server):
    server, _ = ws_server
    offer = "Sec-WebSocket-Extensions: x-unknown, permessage-deflate; client_max_window_bits"
    head = raw_upgrade(server, [*VALID_UPGRADE, offer])
    agreed = [line for line in head.split("\r\n") if line.startswith("Sec-WebSocket-Extensions")]
    assert len(agreed) == 1
    assert agreed[0].startswith("Sec-WebSocket-Extensions: permessage-deflate")
    assert "server_no_context_takeover" in agreed[0]


@pytest.mark.parametrize(
    "broken",
    [
        ("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
        ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: short"),
        ("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", None),
        ("Connection: keep-alive, Upgrade", "Connection: keep-alive"),
        ("Upgrade: websocket", "Upgrade: h2c"),
        ("GET / HTTP/1.1", "POST / HTTP/1.1"),
    ],
)
def test_a_malformed_upgrade_is_refused_and_never_switches(ws_server, broken):
    server, connections = ws_server
    old, new = broken
    lines = [new if line == old else line for line in VALID_UPGRADE]
    head = raw_upgrade(server, [line for line in lines if line is not None])
    assert head.startswith("HTTP/1.1 400")
    assert connections.empty()
