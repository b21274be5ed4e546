"""A rolling restart of two server processes while a reporter posts and readers follow.

Readers here follow the page's rule (static/js/sio.js): when the server sends
`reconnect_soon` {"within_ms": N} they wait a random delay in [0, N) and reconnect to
"the other process" — a client-side list of the two addresses stands in for nginx —
following again from the seq they hold.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
import uuid
from datetime import datetime

import procs
import pytest
import socketio
from conftest import REDIS_ENV, need_service
from test_faults import Cluster, assert_exactly_once, entries_by_key, fresh_database, new_live_blog
from test_faults import wait_converged as wait_all_at_head

from blog.live.payloads import CHANGE_TYPES

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.timeout(240)]

DRAIN_S, WINDOW_S = 6, 2
MAX_STALENESS_S = 2.0


class MovingReader:
    """A reader that moves when asked, and notes when it applied each change."""

    def __init__(self, urls: list[str], blog_id: int):
        self.urls, self.blog_id = urls, blog_id
        self.seq = 0
        self.applied: list[tuple] = []
        self.staleness: list[float] = []
        self.moved = self.lost = self.sessions = 0
        self.url: str | None = None
        self._pending: dict[int, dict] = {}
        self._move_at: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._followed = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_following(self) -> MovingReader:
        """Wait until the first follow was acknowledged."""
        procs.wait_until(self._followed.is_set, 15, f"reader following on {self.urls[0]}")
        return self

    def close(self) -> None:
        """Stop and wait for the reader's thread."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        index = 0
        while not self._stop.is_set():
            if not self._session(self.urls[index % len(self.urls)]):
                self._stop.wait(0.2)  # could not connect: the page's backoff, shortened
            index += 1

    def _session(self, url: str) -> bool:
        sio = socketio.Client(reconnection=False)
        gone = threading.Event()
        sio.on("disconnect", lambda *_: gone.set())
        sio.on("reconnect_soon", self._asked_to_move)
        for name in CHANGE_TYPES:
            sio.on(name, self._receive)
        try:
            sio.connect(url, transports=["websocket"], wait_timeout=5)
            ack = sio.call("follow", {"blog_id": self.blog_id, "since": self.seq}, timeout=5)
            assert ack["ok"], ack
        except Exception:
            sio.disconnect()
            return False
        self.url, self._move_at, self.sessions = url, None, self.sessions + 1
        self._followed.set()
        while not self._stop.is_set() and not gone.is_set():
            if self._move_at is not None and time.monotonic() >= self._move_at:
                self.moved += 1
                break
            gone.wait(0.02)
        else:
            self.lost += 0 if self._stop.is_set() else 1
        self.url = None
        sio.disconnect()
        return True

    def _asked_to_move(self, data: dict) -> None:
        # Full jitter: a random moment of the announced window, not all at once.
        self._move_at = time.monotonic() + random.uniform(0, data["within_ms"] / 1000)

    def _receive(self, msg: dict) -> None:
        now = time.time()
        with self._lock:
            if msg.get("blog_id") != self.blog_id or msg["seq"] <= self.seq:
                return
            self._pending[msg["seq"]] = msg
            while self.seq + 1 in self._pending:
                change = self._pending.pop(self.seq + 1)
                self.applied.append((change["seq"], change.get("entry_id"), change["type"]))
                self.seq = change["seq"]
                if change["type"] == "entry_published":
                    committed = datetime.fromisoformat(change["published_at"]).timestamp()
                    self.staleness.append(now - committed)


class RotatingPoster:
    """A reporter posting every ~200 ms to whichever process answers, retrying with its key."""

    def __init__(self, urls: list[str], token: str, blog_id: int):
        self.urls, self.token, self.blog_id = urls, token, blog_id
        self.created: list[int] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_posted(self, count: int) -> None:
        """Wait until count entries were created in all."""
        procs.wait_until(lambda: len(self.created) >= count, 30, f"{count} posts")

    def stop(self) -> None:
        """Finish the post in flight and stop."""
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        turn = 0
        while not self._stop.is_set():
            key = uuid.uuid4().hex
            while True:  # the same key until it lands: a retry never doubles an entry
                url = self.urls[turn % len(self.urls)]
                try:
                    reply = self._post(url, key)
                    break
                except OSError:
                    turn += 1  # refused: that process is restarting; the other one takes it
            if reply.status == 201:
                self.created.append(reply.json()["id"])
            else:
                self.failures.append(f"{reply.status}: {reply.text[:200]}")
            self._stop.wait(0.2)

    def _post(self, url: str, key: str):
        body = {"source": f"Update {key}", "idempotency_key": key}
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        return procs.http("POST", f"{url}/api/v1/blogs/{self.blog_id}/entries", body, headers)


def start_slow_post(server: procs.Server, token: str, blog_id: int) -> tuple[socket.socket, bytes]:
    """Send a post's head and half its body; return the socket and the rest to send."""
    body = f'{{"source": "in flight", "idempotency_key": "{uuid.uuid4().hex}"}}'.encode()
    head = (
        f"POST /api/v1/blogs/{blog_id}/entries HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    # One whole request first: once it is answered the server has accepted this
    # connection, so the post is in flight, not waiting in the listen backlog.
    conn.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    read_one_answer(conn)
    half = len(body) // 2
    conn.sendall(head + body[:half])
    return conn, body[half:]


def read_one_answer(conn: socket.socket) -> bytes:
    """Read one HTTP answer with a Content-Length off the connection, and no more."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", data)[1])
    body = b""
    while len(body) < length:
        body += conn.recv(length - len(body))
    return data + body


def finish_slow_post(conn: socket.socket, rest: bytes) -> str:
    """Send the rest of the body; return the status line of the answer."""
    with conn:
        conn.sendall(rest)
        return conn.makefile("rb").readline().decode().strip()


def hello(url: str) -> dict:
    """What a client that just connected is told about spreading its reconnects."""
    sio = socketio.Client(reconnection=False)
    sio.connect(url, transports=["websocket"], wait_timeout=5)
    try:
        return sio.call("hello", {}, timeout=5)
    finally:
        sio.disconnect()


@pytest.fixture
def two_processes(tmp_path):
    """Two processes on the shared Redis and a fresh database, with a short drain."""
    redis_url = need_service(REDIS_ENV, "Redis")
    env = {"SHOWFLOOR_DRAIN_S": str(DRAIN_S), "SHOWFLOOR_RECONNECT_WINDOW_S": str(WINDOW_S)}
    with fresh_database() as url:
        cluster = Cluster(url, redis_url, 2, tmp_path, extra_env=env)
        yield cluster
        cluster.stop()


def restart(server: procs.Server, token: str, blog_id: int) -> float:
    """SIGTERM the process with a post in flight, wait for its exit, start it again."""
    conn, rest = start_slow_post(server, token, blog_id)
    started = time.monotonic()
    server.proc.terminate()
    procs.wait_until(lambda: "draining:" in server.log(), 5, "the drain to begin")
    # Refused at once: new connections go to the other process.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2)
    assert finish_slow_post(conn, rest).startswith("HTTP/1.1 201"), server.log()
    assert server.proc.wait(DRAIN_S + 5) == 0, server.log()
    drained_s = time.monotonic() - started
    assert drained_s < DRAIN_S + 2
    server.start().wait_healthy()
    server.wait_ready()
    return drained_s


def test_rolling_restart_is_invisible_to_readers(two_processes):
    cluster = two_processes
    a, b = cluster.urls
    blog_id = new_live_blog(cluster.database_url)
    readers = [MovingReader([a, b] if n % 2 else [b, a], blog_id) for n in range(6)]
    poster = None
    try:
        for reader in readers:
            reader.wait_following()
        poster = RotatingPoster([a, b], cluster.token, blog_id)
        poster.wait_posted(5)
        drains = []
        for server in cluster.servers:
            drains.append(restart(server, cluster.token, blog_id))
            poster.wait_posted(len(poster.created) + 5)
        poster.stop()
        wait_all_at_head(readers, a, blog_id, timeout=10)
    finally:
        if poster is not None:
            poster.stop()
        for reader in readers:
            reader.close()
    assert poster.failures == []
    assert all(n == 1 for n in entries_by_key(cluster.database_url, blog_id).values())
    assert_exactly_once(readers, a, blog_id)
    # Every reader moved because it was asked (from A to B and back; from B once);
    # none found its server gone.
    assert [(r.moved, r.lost) for r in readers] == [
        (2 if r.urls[0] == a else 1, 0) for r in readers
    ]
    worst = max(max(r.staleness) for r in readers)
    assert worst < MAX_STALENESS_S
    assert hello(a) == {"ok": True, "reconnect_window_ms": WINDOW_S * 1000}
    print(
        f"rolling restart: drains took {', '.join(f'{s:.1f} s' for s in drains)}; "
        f"{len(poster.created)} posts; max staleness {worst * 1000:.0f} ms"
    )
