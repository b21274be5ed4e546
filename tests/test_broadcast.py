"""Broadcasts framed once, end to end: `python app.py` on gevent, readers on raw websockets."""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid

import procs
import pytest
import socketio
from conftest import api_headers
from ws_support import FrameReader, client_frame, handshake, text_of

from blog.live.payloads import CHANGE_TYPES
from blog.models import Role
from blog.platform import db

pytestmark = pytest.mark.timeout(120)

EVENT_FRAME = re.compile(r'^42\["(\w+)",(.*)\]$', re.S)


def gevent_server(database_url: str, folder, **settings: str):
    """Start the app in its own process on gevent, on this test's database, with extra settings."""
    db.session.remove()  # the server process writes; this one only set the data up
    env = {
        "SHOWFLOOR_DATABASE_URL": database_url,
        "SHOWFLOOR_SECRET_KEY": "broadcast-tests",
        "SHOWFLOOR_ASYNC_MODE": "gevent",
        "SHOWFLOOR_REDIS_URL": "",
        **settings,
    }
    return procs.Server(env, folder, "server").start().wait_healthy()


@pytest.fixture
def server(app, database_url, tmp_path, blog):
    """The app in its own process on gevent, on this test's database."""
    running = gevent_server(database_url, tmp_path)
    yield running
    running.stop()


class RawReader:
    """A reader speaking Engine.IO and Socket.IO by hand, keeping every frame it gets."""

    def __init__(self, server, deflate: bool = False, connect: bool = True):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        head = handshake(
            self.sock,
            f"127.0.0.1:{server.port}",
            "/socket.io/?EIO=4&transport=websocket",
            deflate=deflate,
            origin=server.url,
        )
        assert head.startswith("HTTP/1.1 101"), head
        self.frames = FrameReader(self.sock)
        self.pending: list[str] = []  # what came before the follow's acknowledgement
        assert self.next_text().startswith("0{")
        if connect:
            self.send("40")
            assert self.next_text().startswith("40")

    def send(self, text: str) -> None:
        """Send one text message, masked as a client must."""
        self.sock.sendall(client_frame(text.encode()))

    def next_frame(self):
        """The next frame that is not an Engine.IO ping (pings are answered)."""
        while True:
            frame = self.frames.next_frame()
            assert frame is not None, "the server closed the connection"
            if text_of(*frame[:2]) == "2":
                self.send("3")
                continue
            return frame

    def next_text(self) -> str:
        """The next message's text."""
        return text_of(*self.next_frame()[:2])

    def follow(self, blog_id: int, since: int) -> dict:
        """Follow a blog; return the acknowledgement."""
        self.send(follow_packet(blog_id, since))
        return self.ack()

    def ack(self) -> dict:
        """The follow's acknowledgement; what came before it is kept in pending."""
        while True:
            text = self.next_text()
            if text.startswith("431["):
                return json.loads(text[3:])[0]
            self.pending.append(text)

    def event(self, name: str):
        """The next frame carrying this Socket.IO event: (first byte, payload, raw, data)."""
        while True:
            frame = self.next_frame()
            match = EVENT_FRAME.match(text_of(*frame[:2]))
            if match and match.group(1) == name:
                return (*frame, json.loads(match.group(2)))

    def change_seq(self, text: str) -> int | None:
        """The seq of a change message (None for anything else, e.g. a readers count)."""
        match = EVENT_FRAME.match(text)
        data = json.loads(match.group(2)) if match else None
        return (
            data.get("seq") if isinstance(data, dict) and match.group(1) in CHANGE_TYPES else None
        )

    def next_seq(self) -> int:
        """The seq of the next change this reader gets."""
        while (seq := self.change_seq(self.next_text())) is None:
            pass
        return seq

    def close(self) -> None:
        """Drop the connection."""
        self.sock.close()


def follow_packet(blog_id: int, since: int) -> str:
    """The follow event with ack id 1."""
    return "421" + json.dumps(["follow", {"blog_id": blog_id, "since": since}])


@pytest.fixture
def readers():
    """Readers opened by a test, closed after it."""
    made: list[RawReader] = []

    def open_reader(server, **options) -> RawReader:
        made.append(RawReader(server, **options))
        return made[-1]

    yield open_reader
    for reader in made:
        reader.close()


def post(server, headers: dict, blog_id: int, source: str) -> dict:
    """Publish one entry through the JSON API."""
    body = {"source": source, "idempotency_key": uuid.uuid4().hex}
    response = procs.http(
        "POST",
        f"{server.url}/api/v1/blogs/{blog_id}/entries",
        body,
        {**headers, "Accept": "application/json"},
    )
    assert response.status == 201, response.text
    return response.json()


def head_seq(server, blog_id: int) -> int:
    """The blog's last seq, from the HTTP change cursor."""
    body = procs.http("GET", f"{server.url}/api/v1/blogs/{blog_id}/changes?since=0").json()
    return body["last_seq"]


def test_every_reader_gets_the_same_frame_and_compressing_readers_get_it_deflated(
    server, readers, blog, reporter
):
    headers = api_headers(reporter)
    since = head_seq(server, blog.id)
    plain = [readers(server) for _ in range(4)]
    deflating = readers(server, deflate=True)
    for reader in [*plain, deflating]:
        assert reader.follow(blog.id, since)["ok"]
    source = "**Live from the keynote.** The new phone folds twice, and the room gasps. " * 6
    post(server, headers, blog.id, source)
    got = [reader.event("entry_published") for reader in plain]
    assert len({raw for _, _, raw, _ in got}) == 1  # byte for byte the same frame
    first, payload, _, data = deflating.event("entry_published")
    assert first == 0xC1 and len(payload) < len(got[0][1]) / 2
    assert text_of(first, payload) == got[0][1].decode()
    assert data["seq"] == since + 1 and "folds twice" in data["html"]


def test_readers_following_while_entries_go_out_get_every_change_once_in_their_stream(
    server, readers, blog, reporter
):
    headers = api_headers(reporter)
    count = 25
    poster = threading.Thread(
        target=lambda: [post(server, headers, blog.id, f"Update {n}") for n in range(count)]
    )
    poster.start()
    following = []
    for n in range(8):  # they join one by one while the reporter posts
        reader = readers(server, deflate=n % 2 == 1)
        assert reader.follow(blog.id, 0)["ok"]
        following.append(reader)
    poster.join(60)
    last = head_seq(server, blog.id)
    for reader in following:
        seen = [seq for seq in map(reader.change_seq, reader.pending) if seq is not None]
        while not seen or max(seen) < last:
            seen.append(reader.next_seq())
        # A change committed while the follow replays may come both ways (the
        # page drops the repeat), and before the replay; none may be missing.
        # Order within one socket's stream is tested on the writer itself.
        assert sorted(set(seen)) == list(range(1, last + 1))


def test_a_followers_missed_changes_arrive_in_order_each_its_own_message(
    server, readers, blog, reporter
):
    headers = api_headers(reporter)
    for n in range(6):  # long ones are deflated for the reader that asked for it
        post(server, headers, blog.id, f"Update {n}. " + ("From the floor. " * 40 if n % 2 else ""))
    last = head_seq(server, blog.id)
    plain, again, deflating = readers(server), readers(server), readers(server, deflate=True)
    missed = []
    for reader in (plain, again, deflating):
        assert reader.follow(blog.id, 0) == {
            "ok": True,
            "last_seq": last,
            "reconnect_window_ms": 5000,
        }
        changes = [text for text in reader.pending if reader.change_seq(text) is not None]
        assert [reader.change_seq(text) for text in changes] == list(range(1, last + 1))
        missed.append(changes)
    assert missed[0] == missed[1] == missed[2]
    assert "From the floor." in missed[2][-1]


def test_a_follow_sent_right_behind_the_connect_is_answered_after_it(
    server, readers, blog, reporter
):
    # The page sends the namespace connect and its follow together, without
    # waiting for the connect's answer: one round trip per reconnect, not two.
    headers = api_headers(reporter)
    for n in range(3):
        post(server, headers, blog.id, f"Update {n}")
    last = head_seq(server, blog.id)
    reader = readers(server, connect=False)
    reader.sock.sendall(client_frame(b"40") + client_frame(follow_packet(blog.id, 0).encode()))
    assert reader.next_text().startswith('40{"sid":')
    ack = reader.ack()
    assert ack == {"ok": True, "last_seq": last, "reconnect_window_ms": 5000}
    assert [reader.change_seq(text) for text in reader.pending] == list(range(1, last + 1))
    entry = post(server, headers, blog.id, "Live again")
    assert reader.event("entry_published")[3]["entry_id"] == entry["id"]


@pytest.fixture
def quick_ping_server(app, database_url, tmp_path, blog):
    """The app on gevent pinging every second, and giving up on a client a second later."""
    settings = {"SHOWFLOOR_PING_INTERVAL": "1", "SHOWFLOOR_PING_TIMEOUT": "1"}
    running = gevent_server(database_url, tmp_path, **settings)
    yield running
    running.stop()


def test_one_ping_timer_keeps_every_answering_reader_and_drops_a_silent_one(
    quick_ping_server, blog
):
    answering = [RawReader(quick_ping_server) for _ in range(3)]
    silent = RawReader(quick_ping_server)
    pings = {id(reader): 0 for reader in answering}

    def answer_four_pings(reader):
        while pings[id(reader)] < 4:
            frame = reader.frames.next_frame()
            assert frame is not None, "an answering reader was dropped"
            if text_of(*frame[:2]) == "2":
                pings[id(reader)] += 1
                reader.send("3")

    threads = [threading.Thread(target=answer_four_pings, args=(r,)) for r in answering]
    for thread in threads:
        thread.start()
    # Never answering: after the ping timeout the server sends a close frame
    # and ends the connection without waiting for a reply, while the others
    # go on being pinged.
    opcodes = []
    while (frame := silent.frames.next_frame()) is not None:
        opcodes.append(frame[0] & 0x0F)
    assert 0x8 in opcodes
    for thread in threads:
        thread.join(30)
    try:
        assert all(count == 4 for count in pings.values())
        for reader in answering:
            assert reader.follow(blog.id, 0)["ok"] is True
    finally:
        for reader in [*answering, silent]:
            reader.close()


def test_twenty_reporters_posting_at_once_are_all_published(server, blog, make_user):
    # Each post renders its Markdown in a worker while it holds SQLite's write
    # lock; the others must wait their turn without stopping the process.
    reporters = [make_user(Role.REPORTER, events=[blog.event]) for _ in range(20)]
    headers = [api_headers(reporter) for reporter in reporters]
    db.session.remove()
    start = head_seq(server, blog.id)
    published: list[dict] = []

    def post_three(n: int) -> None:
        for k in range(3):
            published.append(post(server, headers[n], blog.id, f"Reporter {n}, line {k}"))

    threads = [threading.Thread(target=post_three, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(published) == 60
    assert head_seq(server, blog.id) == start + 60


def metric(server, name: str) -> float:
    """One unlabelled sample of the server's /metrics."""
    text = procs.http("GET", server.url + "/metrics").text
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    assert match, f"{name} is not in /metrics"
    return float(match.group(1))


def test_a_connection_that_has_sent_nothing_holds_no_greenlet(server):
    # The kernel keeps a new connection until its first bytes arrive (TCP_DEFER_ACCEPT,
    # about the 10 s header deadline here): no greenlet waits on the twenty silent ones.
    silent = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(20)]
    try:
        assert metric(server, "showfloor_connections_serving") == 1
        # Once one speaks, it is accepted and answered like any other.
        silent[7].sendall(b"GET /healthz HTTP/1.1\r\nHost: showfloor\r\nConnection: close\r\n\r\n")
        assert silent[7].recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for sock in silent:
            sock.close()


def test_open_readers_hold_no_greenlet_and_every_ending_releases_its_connection(
    server, readers, blog, reporter
):
    log_before = server.log_path.stat().st_size
    since = head_seq(server, blog.id)
    following = [readers(server, deflate=n == 0) for n in range(5)]
    for reader in following:
        assert reader.follow(blog.id, since)["ok"]
    # Followed, the readers are watched by the event loop: the only greenlet
    # serving a connection is the one answering this /metrics request.
    assert metric(server, "showfloor_connections_held") == 5
    assert metric(server, "showfloor_connections_serving") == 1
    post(server, api_headers(reporter), blog.id, "Parked readers still hear the keynote.")
    for reader in following:
        assert reader.event("entry_published")[3]["seq"] == since + 1
    # What a parked connection sends is still answered: a second follow gets its ack.
    assert following[2].follow(blog.id, since + 1)["ok"]
    # Ended politely (a close frame), abruptly (the socket dropped), and half
    # way (the client stops sending but still reads): each is released.
    following[0].send("41")
    following[0].sock.sendall(client_frame(b"\x03\xe8", opcode=0x8))
    following[1].close()
    following[2].sock.shutdown(socket.SHUT_WR)
    procs.wait_until(
        lambda: metric(server, "showfloor_connections_held") == 2, 10, "three readers released"
    )
    grown = server.log_path.read_bytes()[log_before:].decode("utf-8", "replace")
    assert "Traceback" not in grown and "Invalid HTTP method" not in grown, grown[-2000:]


def test_a_client_upgrading_from_long_polling_keeps_engineios_path_and_gets_entries(
    server, blog, reporter
):
    got: list[dict] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("entry_published", lambda data: (got.append(data), arrived.set()))
    client.connect(server.url, wait_timeout=10)  # long-polling first, then the websocket
    try:
        procs.wait_until(lambda: client.transport() == "websocket", 10, "the upgrade")
        since = head_seq(server, blog.id)
        assert client.call("follow", {"blog_id": blog.id, "since": since}, timeout=10)["ok"]
        post(server, api_headers(reporter), blog.id, "Polling readers upgrade and hear it too.")
        assert arrived.wait(10)
        assert got[0]["seq"] == since + 1
        # An upgraded socket keeps the greenlet engine.io reads it with: it is not parked.
        assert metric(server, "showfloor_connections_held") == 0
    finally:
        client.disconnect()
