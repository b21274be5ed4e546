"""Socket limits: connects per address and account, events per connection, message size, Origin."""

from __future__ import annotations

import json
import shutil
import time

import procs
import pytest
import websocket
from conftest import BACKEND, login
from limits_support import ELSEWHERE, HOME, clock_fixture, set_limits  # noqa: F401

from blog.models import Role
from blog.platform.extensions import socketio

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
def handshakes(app):
    """Open Engine.IO sessions over HTTP as a browser would; all are closed at the end."""
    opened: list[tuple] = []

    def open_one(client, ip: str = HOME):
        response = client.get(HANDSHAKE, environ_base={"REMOTE_ADDR": ip})
        if response.status_code == 200:
            sid = json.loads(response.get_data(as_text=True)[1:])["sid"]
            opened.append((client, sid))
        return response

    yield open_one
    for client, sid in opened:
        client.post(f"{HANDSHAKE}&sid={sid}", data="1")  # Engine.IO close packet
    socketio.server.eio.shutdown()


def sessions() -> int:
    return len(socketio.server.eio.sockets)


def assert_refused(response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(retry_after)
    body = response.get_json()
    assert body["retry_after"] == retry_after
    assert "Too many connections" in body["error"]


# ---- connects -----------------------------------------------------------------


def test_socket_connects_per_address_are_refused_before_socketio(app, client, clock, handshakes):
    set_limits(app, connect_ip=(2, 60))
    assert [handshakes(client).status_code for _ in range(2)] == [200, 200]
    clock.move(20)
    open_before = sessions()
    assert_refused(handshakes(client), 40)
    assert sessions() == open_before  # no Engine.IO session was made
    assert handshakes(client, ip=ELSEWHERE).status_code == 200
    clock.move(40)
    assert handshakes(client).status_code == 200


def test_socket_connects_per_account_spare_anonymous_readers(
    app, client, clock, handshakes, make_user
):
    set_limits(app, connect_account=(2, 60))
    login(client, make_user(Role.REPORTER))
    assert [handshakes(client).status_code for _ in range(2)] == [200, 200]
    assert_refused(handshakes(client), 60)
    anonymous = app.test_client()
    assert handshakes(anonymous).status_code == 200


# ---- events per connection ----------------------------------------------------


def follow(sio, blog):
    return sio.emit("follow", {"blog_id": blog.id, "since": blog.last_seq}, callback=True)


def test_an_event_flood_gets_error_acks_then_a_disconnect(
    app, clock, reader, make_blog, make_entry
):
    set_limits(app, socket_event=(4, 10))
    first, second = make_blog(), make_blog()
    flooder, neighbour = reader(), reader()  # joining the namespace is the first event
    assert all(follow(flooder, first)["ok"] for _ in range(3))
    refused = follow(flooder, second)
    assert refused["ok"] is False and refused["retry_after"] == 10
    assert "Too many messages" in refused["error"]
    flooder.get_received()
    make_entry(second)
    assert flooder.get_received() == []  # the refused follow joined nothing
    assert follow(neighbour, second)["ok"]
    for _ in range(3):
        assert follow(flooder, second)["ok"] is False
    assert flooder.is_connected()
    follow(flooder, second)  # the ninth event: past twice the limit
    assert not flooder.is_connected()
    assert neighbour.is_connected()


def test_the_event_limit_resets_with_the_window(app, clock, reader, make_blog):
    set_limits(app, socket_event=(3, 10))
    blog = make_blog()
    sio = reader()
    assert [follow(sio, blog)["ok"] for _ in range(3)] == [True, True, False]
    clock.move(10)
    assert follow(sio, blog)["ok"] is True


# ---- a real server: message size, Origin, connects, rejoins over a websocket ---


@pytest.fixture(scope="module")
def server(migrated_template, tmp_path_factory):
    """`python app.py` behind an imaginary proxy: each test speaks from an address of its own."""
    folder = tmp_path_factory.mktemp("socket-limits")
    url = migrated_template
    if BACKEND != "postgres":
        shutil.copy(migrated_template, folder / "showfloor.db")
        url = f"sqlite:///{folder / 'showfloor.db'}"
    env = {
        "SHOWFLOOR_DATABASE_URL": url,
        "SHOWFLOOR_SECRET_KEY": "socket-limit-tests",
        "SHOWFLOOR_ASYNC_MODE": "gevent",
        "SHOWFLOOR_REDIS_URL": "",
        "SHOWFLOOR_TRUSTED_PROXIES": "1",
        "SHOWFLOOR_LIMITS": "connect_ip=2/3600,socket_event=6/3600",
    }
    running = procs.Server(env, folder, "server").start().wait_healthy()
    yield running
    running.stop()


def open_socket(server, address: str, **options) -> websocket.WebSocket:
    """A websocket joined to Socket.IO's default namespace, as the page's client does."""
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(
        url, header=[f"X-Forwarded-For: {address}"], timeout=5, **options
    )
    assert ws.recv().startswith("0{")
    ws.send("40")
    assert ws.recv().startswith("40")
    return ws


def ack_of(ws, ack_id: int):
    """The acknowledgement with this id (pings and pushes on the way are skipped)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frame = ws.recv()
        if frame.startswith(f"43{ack_id}["):
            return json.loads(frame[len(f"43{ack_id}") :])[0]
    raise AssertionError(f"no ack {ack_id}")


def shut(ws) -> None:
    """Close the websocket, and its TCP socket even when the server already closed it."""
    ws.close()
    ws.shutdown()


def closed_by_server(ws) -> bool:
    """Read until the server closes the socket; False if it keeps it open for 5 s."""
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            if ws.recv() == "":
                return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        return True
    except websocket.WebSocketTimeoutException:
        return False
    return False


def test_an_oversize_socket_message_closes_the_connection(server):
    ws = open_socket(server, "192.0.2.21")
    try:
        ws.send("421" + json.dumps(["follow", {"blog_id": 999, "since": 0}]))
        assert ack_of(ws, 1) == {
            "ok": False,
            "error": "no such blog",
            "reconnect_window_ms": 5000,
        }
        padding = "x" * (17 * 1024)  # the limit is 16 KiB
        ws.send("422" + json.dumps(["follow", {"blog_id": 999, "since": 0, "pad": padding}]))
        assert closed_by_server(ws)
    finally:
        shut(ws)


def test_a_cross_origin_handshake_is_refused(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        open_socket(server, "192.0.2.31", origin="https://evil.example")
    assert refused.value.status_code == 400
    shut(open_socket(server, "192.0.2.31", origin=server.url))


def test_a_websocket_past_the_connect_limit_gets_429(server):
    opened = [open_socket(server, "192.0.2.41") for _ in range(2)]
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            open_socket(server, "192.0.2.41")
        assert refused.value.status_code == 429
        assert int(refused.value.resp_headers["retry-after"]) > 0
        # A forged address to the left of the proxy's does not get round it.
        with pytest.raises(websocket.WebSocketBadStatusException):
            open_socket(server, "10.9.9.9, 192.0.2.41")
        shut(open_socket(server, "192.0.2.42"))
    finally:
        for ws in opened:
            shut(ws)


def test_rejoining_the_namespace_is_counted_and_starts_no_fresh_count(server):
    ws = open_socket(server, "192.0.2.51")  # the namespace connect: event 1 of 6
    try:
        for ack_id in (1, 2, 3):
            ws.send(f"42{ack_id}" + json.dumps(["follow", {"blog_id": 999, "since": 0}]))
            assert ack_of(ws, ack_id)["ok"] is False  # no such blog, but counted
        ws.send("41")  # leaves the namespace; the connection and its counts stay
        ws.send("40")  # event 5
        assert ws.recv().startswith("40")
        ws.send("41")
        ws.send("40")  # event 6
        assert ws.recv().startswith("40")
        ws.send("41")
        ws.send("40")  # event 7: past the limit, the connect is refused
        assert ws.recv().startswith("44")
    finally:
        shut(ws)


def test_a_follow_sent_behind_a_refused_connect_is_not_served(server):
    ws = open_socket(server, "192.0.2.61")  # event 1 of 6
    try:
        for ack_id in range(1, 6):  # events 2 to 6
            ws.send(f"42{ack_id}" + json.dumps(["follow", {"blog_id": 999, "since": 0}]))
            assert ack_of(ws, ack_id)["ok"] is False
        ws.send("41")
        # As the page sends them on connecting: the follow right behind the connect.
        ws.send("40")  # event 7: refused
        ws.send("429" + json.dumps(["follow", {"blog_id": 999, "since": 0}]))
        ws.send("40")
        answers = [ws.recv(), ws.recv()]
        assert [a[:2] for a in answers] == ["44", "44"], answers
    finally:
        shut(ws)
