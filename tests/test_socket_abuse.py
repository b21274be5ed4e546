"""What one anonymous client can cost a real `python app.py` on gevent, measured while it attacks.

Each attack runs against the server process over real sockets; the harm is
measured as everyone else feels it (the server's resident memory, a neighbour's
/healthz latency and live delivery), against the same measurement without the
attack in the same run.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import statistics
import threading
import time
import uuid
from datetime import UTC, date, datetime

import procs
import pytest
import websocket
from conftest import BACKEND, dispose_app
from sqlalchemy import insert, update

from blog import actions, create_app
from blog.content import queries
from blog.models import BlogStatus, Change, LiveBlog, Role
from blog.platform import db

pytestmark = [pytest.mark.attacks, pytest.mark.timeout(120)]

EDITOR = "desk@abuse.test"
HEADER_TIMEOUT_S = 2
MAX_SOCKETS = 20
REPLAYED_CHANGES = 1100


# ---- the server and its data --------------------------------------------------


def seed(database_url: str) -> dict:
    """An editor with an API token, a blog with a long history and a quiet blog."""
    app = create_app({"DATABASE_URL": database_url, "ASYNC_MODE": "threading", "TESTING": True})
    try:
        with app.app_context():
            editor = actions.create_user(EDITOR, "Desk", "correct horse battery", Role.EDITOR)
            event = actions.create_event(
                "abuse", "Abuse Show", date(2027, 3, 1), date(2027, 3, 4), "Europe/Madrid"
            )
            long_blog = _live_blog(editor, event, "long")
            quiet_blog = _live_blog(editor, event, "quiet")
            _add_history(long_blog, REPLAYED_CHANGES)
            token = actions.create_api_token(editor, "abuse")
            return {"token": token, "long": long_blog, "quiet": quiet_blog}
    finally:
        db.session.remove()
        dispose_app(app)


def _live_blog(editor, event, slug: str) -> int:
    blog = actions.create_blog(event, slug, slug.title())
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    return blog.id


def _add_history(blog_id: int, count: int) -> None:
    """Stored changes of about a kilobyte each, as a busy keynote leaves behind."""
    head = queries.blog_by_id(blog_id).last_seq
    html = "<article><p>" + "Keynote line. " * 70 + "</p></article>"
    rows = [
        {
            "blog_id": blog_id,
            "seq": head + n,
            "type": "entry_published",
            "entry_id": None,
            "payload": {"entry_id": 10_000 + n, "version": 1, "status": "published", "html": html},
            "created_at": datetime.now(UTC),
        }
        for n in range(1, count + 1)
    ]
    db.session.execute(insert(Change), rows)
    db.session.execute(update(LiveBlog).where(LiveBlog.id == blog_id).values(last_seq=head + count))
    db.session.commit()


@pytest.fixture(scope="module")
def server(migrated_template, tmp_path_factory):
    """`python app.py` on gevent behind an imaginary proxy, with small limits to reach quickly."""
    folder = tmp_path_factory.mktemp("socket-abuse")
    url = migrated_template
    if BACKEND != "postgres":
        shutil.copy(migrated_template, folder / "showfloor.db")
        url = f"sqlite:///{folder / 'showfloor.db'}"
    data = seed(url)
    env = {
        "SHOWFLOOR_DATABASE_URL": url,
        "SHOWFLOOR_SECRET_KEY": "socket-abuse-tests",
        "SHOWFLOOR_ASYNC_MODE": "gevent",
        "SHOWFLOOR_REDIS_URL": "",
        "SHOWFLOOR_TRUSTED_PROXIES": "1",
        "SHOWFLOOR_MAX_SOCKETS_PER_ADDRESS": str(MAX_SOCKETS),
        "SHOWFLOOR_HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
        "SHOWFLOOR_PAGE_CACHE_WINDOW_S": "0",
    }
    running = procs.Server(env, folder, "server").start().wait_healthy()
    running.data = data
    yield running
    running.stop()


# ---- clients and measurements -------------------------------------------------


def log_since(server, offset: int) -> str:
    """What the server wrote to its log after offset bytes."""
    return server.log_path.read_bytes()[offset:].decode("utf-8", "replace")


def open_socket(server, address: str) -> websocket.WebSocket:
    """A websocket joined to Socket.IO's default namespace, speaking from address."""
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, header=[f"X-Forwarded-For: {address}"], timeout=5)
    assert ws.recv().startswith("0{")
    ws.send("40")
    assert ws.recv().startswith("40")
    return ws


def follow(ws, ack_id: int, blog_id: int, since: int) -> None:
    """Send a follow with an ack id."""
    ws.send(f"42{ack_id}" + json.dumps(["follow", {"blog_id": blog_id, "since": since}]))


def closed_by_server(ws, within: float = 5) -> bool:
    """Read until the server closes the socket; False if it keeps it open that long."""
    deadline = time.monotonic() + within
    ws.settimeout(0.5)
    try:
        while time.monotonic() < deadline:
            with contextlib.suppress(websocket.WebSocketTimeoutException):
                if ws.recv() in ("", b""):
                    return True
    except (websocket.WebSocketConnectionClosedException, OSError):
        return True
    return False


def shut(ws) -> None:
    """Close the websocket politely if it is open, and its TCP socket in any case."""
    with contextlib.suppress(Exception):
        ws.close(timeout=1)
    with contextlib.suppress(Exception):
        ws.shutdown()


def rss_kib(server) -> int:
    """The server process's resident memory in KiB."""
    with open(f"/proc/{server.proc.pid}/status") as status_file:
        status = status_file.read()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def healthz_latencies(server, stop: threading.Event, out: list[float]) -> None:
    """Time /healthz over and over until stop is set (what a load balancer sees)."""
    while not stop.is_set():
        started = time.perf_counter()
        assert procs.http("GET", server.url + "/healthz").status == 200
        out.append(time.perf_counter() - started)


def median_healthz(server, count: int = 40) -> float:
    """The median of count sequential /healthz round trips."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        procs.http("GET", server.url + "/healthz")
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def delivery_time(server, neighbour) -> float:
    """Seconds from posting an entry to the quiet blog until the neighbour's socket has it."""
    data = server.data
    headers = {"Authorization": f"Bearer {data['token']}", "Accept": "application/json"}
    body = {"source": "Live line", "idempotency_key": uuid.uuid4().hex}
    started = time.perf_counter()
    reply = procs.http("POST", f"{server.url}/api/v1/blogs/{data['quiet']}/entries", body, headers)
    assert reply.status in (200, 201), reply.text
    neighbour.settimeout(10)
    while True:
        frame = neighbour.recv()
        if frame.startswith('42["entry_published"'):
            return time.perf_counter() - started


# ---- 1. binary data ---------------------------------------------------------------


def test_binary_attachments_are_refused_before_anything_is_buffered(server):
    log_before = server.log_path.stat().st_size
    before = rss_kib(server)
    ws = open_socket(server, "192.0.2.11")
    peak = before
    sent = 0
    try:
        ws.send('4520001-["follow",{"_placeholder":true,"num":0}]')
        chunk = b"\0" * 16_000
        with contextlib.suppress(OSError, websocket.WebSocketException):
            for sent in range(1, 4001):  # 64 MB, if the server kept taking them
                ws.send_binary(chunk)
                if sent % 250 == 0:
                    peak = max(peak, rss_kib(server))
        peak = max(peak, rss_kib(server))
        assert closed_by_server(ws)
    finally:
        shut(ws)
    print(f"binary attack: {sent} frames sent, RSS {before} -> peak {peak} KiB")
    assert peak - before < 16 * 1024
    # The frames sent after the server closed were once read as HTTP requests.
    procs.wait_until(lambda: "closed: it sent binary" in log_since(server, log_before), 5, "log")
    grown = log_since(server, log_before)
    assert "Invalid HTTP method" not in grown and "Traceback" not in grown, grown[-2000:]


def test_a_binary_websocket_frame_closes_the_connection(server):
    ws = open_socket(server, "192.0.2.12")
    try:
        ws.send_binary(b"4" + b"\0" * 100)
        assert closed_by_server(ws)
    finally:
        shut(ws)


# ---- 2. replay ------------------------------------------------------------------------


STALL_S = 0.025
# The replay limit counts in fixed windows of this many seconds (SHOWFLOOR_LIMITS'
# socket_replay); a test must not straddle two of them.
REPLAY_WINDOW_S = 60
TEST_SPAN_S = 20


def away_from_a_window_edge(window_s: int, span_s: float) -> None:
    """Return once the current counting window has span_s seconds left.

    Follows sent either side of a window's edge are counted in two windows,
    each up to the limit; the limit is per window, so the test starts inside one.
    """
    left = window_s - time.time() % window_s
    if left < span_s:
        time.sleep(left)


def test_a_replay_flood_is_capped_and_does_not_stall_other_readers(server):
    data = server.data
    away_from_a_window_edge(REPLAY_WINDOW_S, TEST_SPAN_S)
    neighbour = open_socket(server, "192.0.2.21")
    attacker = open_socket(server, "192.0.2.22")
    try:
        follow(neighbour, 1, data["quiet"], 10**6)  # ahead: nothing to replay
        quiet_health, quiet_delivery, _ = _measure(server, neighbour, None)
        health, delivery, (replayed, acks) = _measure(server, neighbour, attacker)
    finally:
        shut(neighbour)
        shut(attacker)
    health_ratio, delivery_ratio = health / quiet_health, delivery / quiet_delivery
    print(
        f"replay attack: {replayed} changes replayed to the attacker; /healthz median "
        f"{quiet_health * 1000:.1f} -> {health * 1000:.1f} ms (x{health_ratio:.1f}); "
        f"delivery {quiet_delivery * 1000:.0f} -> {delivery * 1000:.0f} ms (x{delivery_ratio:.1f})"
    )
    assert replayed <= 1000
    assert any(ack.get("catch_up") == "http" for ack in acks)
    # A stall (the replay run on the event loop) costs hundreds of milliseconds; a busy
    # machine's scheduling noise on a sub-millisecond baseline can alone be several times it.
    assert health < max(4 * quiet_health, quiet_health + STALL_S)
    assert delivery < max(4 * quiet_delivery, quiet_delivery + STALL_S)


def test_the_replay_limit_counts_each_connection_on_its_own(server):
    away_from_a_window_edge(REPLAY_WINDOW_S, TEST_SPAN_S)
    sockets = [open_socket(server, "192.0.2.23"), open_socket(server, "192.0.2.24")]
    try:
        for ws in sockets:
            _send_follows(ws, server.data["long"], follows=2)
        outcomes = [_replies(ws, follows=2) for ws in sockets]
    finally:
        for ws in sockets:
            shut(ws)
    # Each connection has its own 1,000: its first follow is replayed, the second refused.
    for replayed, acks in outcomes:
        assert replayed == 1000
        assert [ack.get("catch_up") for ack in acks] == [None, "http"]


def _measure(server, neighbour, attacker):
    """Median /healthz latency and live delivery to the neighbour, with or without the attack."""
    stop, latencies = threading.Event(), []
    prober = threading.Thread(target=healthz_latencies, args=(server, stop, latencies))
    prober.start()
    try:
        if attacker is not None:
            _send_follows(attacker, server.data["long"], follows=10)
        delivery = statistics.median(delivery_time(server, neighbour) for _ in range(3))
        outcome = _replies(attacker, follows=10) if attacker is not None else None
    finally:
        stop.set()
        prober.join()
    return statistics.median(latencies), delivery, outcome


def _send_follows(ws, blog_id: int, follows: int) -> None:
    """Follow a thousand changes back, again and again (the head is seq REPLAYED_CHANGES + 1)."""
    since = REPLAYED_CHANGES + 1 - 1000
    for ack_id in range(1, follows + 1):
        follow(ws, ack_id, blog_id, since)


def _replies(ws, follows: int) -> tuple[int, list[dict]]:
    """Count the replayed changes and collect the acks of the follows."""
    replayed, acks = 0, []
    ws.settimeout(10)
    while len(acks) < follows:
        frame = ws.recv()
        if frame.startswith('42["entry_published"'):
            replayed += 1
        elif frame.startswith("43"):
            acks.append(json.loads(frame[frame.index("[") :])[0])
    return replayed, acks


# ---- 3. open sockets and slow request heads ----------------------------------------------


def test_open_sockets_per_address_are_capped(server):
    address = "192.0.2.31"
    opened = [open_socket(server, address) for _ in range(MAX_SOCKETS)]
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            open_socket(server, address)
        assert refused.value.status_code == 429
        shut(open_socket(server, "192.0.2.32"))  # another address is not held up
        shut(opened.pop())

        def one_more():
            try:
                opened.append(open_socket(server, address))
                return True
            except websocket.WebSocketBadStatusException:
                return False

        procs.wait_until(one_more, 10, "a socket once another of the address closed")
    finally:
        for ws in opened:
            shut(ws)


def test_a_slowloris_request_head_is_cut_off(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=1)
    started = time.monotonic()
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: showfloor\r\n")
        closed = False
        while time.monotonic() - started < HEADER_TIMEOUT_S + 6:
            try:
                sock.sendall(b"X-Trickle: a\r\n")  # one header line a second, never the end
                closed = sock.recv(1024) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
            if closed:
                break
    finally:
        sock.close()
    elapsed = time.monotonic() - started
    print(f"slowloris: closed={closed} after {elapsed:.1f} s")
    assert closed and elapsed < HEADER_TIMEOUT_S + 3


# ---- 4. malformed frames ------------------------------------------------------------------


def test_malformed_frames_close_the_socket_and_log_once(server):
    log_before = server.log_path.stat().st_size
    ws = open_socket(server, "192.0.2.41")
    try:
        with contextlib.suppress(OSError, websocket.WebSocketException):
            for _ in range(2000):
                ws.send("42[")
        assert closed_by_server(ws)
    finally:
        shut(ws)
    assert procs.http("GET", server.url + "/healthz").status == 200
    grown = log_since(server, log_before)
    print(f"malformed frames: the log grew {len(grown)} bytes")
    assert grown.count("sent a malformed packet") == 1
    assert "Traceback" not in grown
    assert len(grown) < 2048


# ---- 5. websocket sessions end cleanly -----------------------------------------------


def open_sockets_gauge(server) -> int:
    """The server's own count of open Socket.IO connections."""
    text = procs.http("GET", server.url + "/metrics").text
    return int(float(re.search(r"^showfloor_sockets (\S+)$", text, re.M).group(1)))


def next_ack(ws) -> str:
    """The next acknowledgement, past any reader-count message sent to the room meanwhile."""
    while not (frame := ws.recv()).startswith("43"):
        assert frame.startswith('42["readers_changed"'), frame
    return frame


def test_a_hundred_readers_come_and_go_without_a_traceback(server):
    log_before = server.log_path.stat().st_size
    start = open_sockets_gauge(server)
    blog = server.data["quiet"]
    for n in range(100):
        ws = open_socket(server, f"198.51.100.{n + 1}")
        follow(ws, 1, blog, 10**6)
        assert next_ack(ws).startswith("431")
        if n % 3 == 0:
            ws.send("1")  # Engine.IO close: the server ends the session, the client answers
            ws.close()
        elif n % 3 == 1:
            ws.close()  # polite: a close frame, then the TCP close
        else:
            ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            ws.sock.close()  # abrupt: a reset, no close frame
    procs.wait_until(lambda: open_sockets_gauge(server) <= start, 15, "every socket closed")
    assert procs.http("GET", server.url + "/healthz").status == 200
    grown = log_since(server, log_before)
    for sign in ("Traceback", "Invalid HTTP method", "BrokenPipeError", "failed with"):
        assert sign not in grown, grown[-3000:]
