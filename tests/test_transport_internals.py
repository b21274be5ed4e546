"""The transport libraries' internals that Showfloor relies on are still where it expects them.

blog/live/broadcast.py, blog/live/queue.py, blog/live/websocket.py, blog/platform/http_server.py
and blog/platform/socket_context.py reach past python-socketio's, python-engineio's, gevent's,
wsproto's and Flask-SocketIO's documented API
(private methods, attributes and call signatures). A release may move any of them without
notice; each test here names the package, its installed version and the internal, so an upgrade
that moved one fails here rather than as a silent slowdown or a dead reader.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import socket
from importlib.metadata import version

import pytest
import socketio
from engineio import packet as eio_packet
from engineio import socket as eio_socket_module
from engineio.async_drivers import gevent as gevent_driver
from flask_socketio import SocketIO
from gevent import pywsgi
from gevent import socket as gevent_socket
from socketio import base_manager
from socketio import packet as sio_packet
from wsproto.extensions import PerMessageDeflate

from blog.live.broadcast import FrameOnceManager
from blog.live.queue import ListeningRedisManager
from blog.live.websocket import ShowfloorWebSocket, raw_socket
from blog.platform.http_server import ShowfloorHandler


def moved(dist: str, internal: str, used_by: str, detail: str = "") -> str:
    """The failure message: which package, which release, which internal, and who needs it."""
    message = f"{dist} {version(dist)}: {internal} moved or changed; {used_by} relies on it"
    return f"{message} ({detail})" if detail else message


def require_attribute(owner, name: str, dist: str, internal: str, used_by: str) -> None:
    assert hasattr(owner, name), moved(dist, internal, used_by, f"no attribute {name!r}")


def require_parameters(func, expected: list[str], dist: str, internal: str, used_by: str) -> None:
    """The function takes these parameters first, in this order (self included for methods)."""
    params = list(inspect.signature(func).parameters)
    assert params[: len(expected)] == expected, moved(
        dist, internal, used_by, f"parameters are {params}, expected {expected} first"
    )


def require_source_mentions(func, text: str, dist: str, internal: str, used_by: str) -> None:
    """The library's own code still goes through the hook we override or replace."""
    source = inspect.getsource(func)
    assert text in source, moved(dist, internal, used_by, f"no longer refers to {text!r}")


SIO = "python-socketio"
EIO = "python-engineio"
GEVENT = "gevent"
FLASK_SOCKETIO = "Flask-SocketIO"
WSPROTO = "wsproto"
BROADCAST = "blog/live/broadcast.py"
QUEUE = "blog/live/queue.py"
WEBSOCKET = "blog/live/websocket.py"
HTTP_SERVER = "blog/platform/http_server.py"


@pytest.fixture
def sio_server():
    """A Socket.IO server on gevent with Showfloor's manager, as blog/__init__.py builds it."""
    return socketio.Server(async_mode="gevent", client_manager=FrameOnceManager())


# -- python-socketio --------------------------------------------------------


def test_manager_emit_takes_what_frame_once_manager_overrides():
    expected = ["self", "event", "data", "namespace", "room", "skip_sid", "callback", "to"]
    require_parameters(socketio.Manager.emit, expected, SIO, "Manager.emit", BROADCAST)
    kinds = [p.kind for p in inspect.signature(socketio.Manager.emit).parameters.values()]
    assert inspect.Parameter.VAR_KEYWORD in kinds, moved(
        SIO, "Manager.emit", BROADCAST, "no **kwargs for ignore_queue"
    )


def test_server_sends_a_prebuilt_engineio_packet(sio_server):
    require_attribute(
        socketio.Server, "_send_eio_packet", SIO, "Server._send_eio_packet", BROADCAST
    )
    require_parameters(
        socketio.Server._send_eio_packet,
        ["self", "eio_sid", "eio_pkt"],
        SIO,
        "Server._send_eio_packet",
        BROADCAST,
    )
    require_source_mentions(
        socketio.Manager.emit, "_send_eio_packet", SIO, "Manager.emit's send path", BROADCAST
    )


def test_server_packet_class_encodes_an_event(sio_server):
    require_attribute(sio_server, "packet_class", SIO, "Server.packet_class", BROADCAST)
    require_parameters(
        sio_server.packet_class.__init__,
        ["self", "packet_type", "data", "namespace"],
        SIO,
        "Packet(packet_type, data, namespace)",
        BROADCAST,
    )
    require_attribute(sio_packet, "EVENT", SIO, "socketio.packet.EVENT", BROADCAST)
    encoded = sio_server.packet_class(sio_packet.EVENT, namespace="/", data=["e", 1]).encode()
    assert isinstance(encoded, str | list), moved(
        SIO, "Packet.encode()", BROADCAST, f"returned {type(encoded).__name__}"
    )


def test_manager_keeps_rooms_and_participants(sio_server):
    manager = sio_server.manager
    assert isinstance(getattr(manager, "rooms", None), dict), moved(
        SIO, "Manager.rooms (namespace -> room -> {sid: eio_sid})", BROADCAST
    )
    require_parameters(
        manager.get_participants,
        ["namespace", "room"],
        SIO,
        "Manager.get_participants",
        BROADCAST,
    )
    require_parameters(
        manager.eio_sid_from_sid,
        ["sid", "namespace"],
        SIO,
        "Manager.eio_sid_from_sid",
        "blog/platform/socket_limits.py",
    )
    require_attribute(manager, "server", SIO, "Manager.server", BROADCAST)
    require_attribute(sio_server, "manager_initialized", SIO, "Server.manager_initialized", QUEUE)


ROOM_INDEX = "blog/live/room_index.py"
# An assignment to, a del of, or a mutating call on the room table or one of its parts.
_CHANGES_ROOMS = re.compile(
    r"self\.rooms(\[[^\]]*\])*\s*=[^=]"
    r"|del self\.rooms"
    r"|self\.rooms[^\n]*\.(pop|clear|update|setdefault)\("
)


def test_socketio_changes_its_room_table_only_where_the_index_follows():
    # RoomIndex keeps each socket's rooms in step by wrapping basic_enter_room and
    # basic_leave_room: no other method of the managers we build on may change the table.
    allowed = {"__init__", "basic_enter_room", "basic_leave_room"}
    for cls in (base_manager.BaseManager, socketio.Manager, socketio.PubSubManager):
        for name, member in vars(cls).items():
            if name in allowed or not inspect.isfunction(member):
                continue
            assert not _CHANGES_ROOMS.search(inspect.getsource(member)), moved(
                SIO, f"{cls.__name__}.{name} now changes Manager.rooms itself", ROOM_INDEX
            )
    for name in ("basic_enter_room", "basic_leave_room"):
        assert _CHANGES_ROOMS.search(inspect.getsource(getattr(base_manager.BaseManager, name)))


def test_socketio_disconnect_drops_what_the_index_drops():
    # RoomIndex.basic_disconnect repeats python-socketio's steps after its walk of the rooms.
    for attribute in ("callbacks", "pending_connect", "pending_disconnect", "basic_leave_room"):
        require_source_mentions(
            base_manager.BaseManager.basic_disconnect,
            attribute,
            SIO,
            "BaseManager.basic_disconnect",
            ROOM_INDEX,
        )
    # Any change to it at all is for a person to read against RoomIndex.basic_disconnect.
    source = inspect.getsource(base_manager.BaseManager.basic_disconnect).encode()
    assert hashlib.sha256(source).hexdigest()[:16] == "2933b50bc4b2ea7b", moved(
        SIO, "BaseManager.basic_disconnect changed", ROOM_INDEX
    )


def test_redis_manager_listens_through_the_retry_loop_we_override():
    manager = ListeningRedisManager("redis://127.0.0.1:6379/0", channel="showfloor-check")
    name = "RedisManager._redis_listen_with_retries"
    require_attribute(socketio.RedisManager, "_redis_listen_with_retries", SIO, name, QUEUE)
    require_source_mentions(
        socketio.RedisManager._listen, "_redis_listen_with_retries", SIO, name, QUEUE
    )
    require_attribute(manager, "_redis_connect", SIO, "RedisManager._redis_connect", QUEUE)
    require_attribute(manager, "pubsub", SIO, "RedisManager.pubsub", QUEUE)
    require_attribute(manager, "channel", SIO, "PubSubManager.channel", QUEUE)


# -- python-engineio --------------------------------------------------------


def test_engineio_server_has_a_replaceable_websocket_class(sio_server):
    eio = sio_server.eio
    assert eio.async_mode == "gevent", moved(EIO, "Server.async_mode", BROADCAST)
    table = getattr(eio, "_async", None)
    assert isinstance(table, dict) and "websocket" in table, moved(
        EIO, "Server._async['websocket']", BROADCAST, f"found {type(table).__name__}"
    )
    require_source_mentions(
        eio_socket_module.Socket._upgrade_websocket,
        "_async['websocket']",
        EIO,
        "Socket._upgrade_websocket",
        BROADCAST,
    )


def test_engineio_builds_the_websocket_from_its_handler_and_server():
    # ShowfloorWebSocket(handler, server) is called as engine.io calls its own class;
    # the handler is bound to the engine.io socket (ShowfloorWebSocket reads __self__).
    # Outside gevent's server it hands the connection to engine.io's own class.
    require_attribute(
        gevent_driver, "WebSocketWSGI", EIO, "async_drivers.gevent.WebSocketWSGI", WEBSOCKET
    )
    require_parameters(
        gevent_driver.WebSocketWSGI.__init__,
        ["self", "handler", "server"],
        EIO,
        "async_drivers.gevent.WebSocketWSGI(handler, server)",
        WEBSOCKET,
    )
    require_parameters(
        ShowfloorWebSocket.__init__, ["self", "handler", "server"], EIO, "(our copy)", WEBSOCKET
    )
    require_source_mentions(
        eio_socket_module.Socket._upgrade_websocket,
        "self._websocket_handler, self.server",
        EIO,
        "Socket._upgrade_websocket",
        WEBSOCKET,
    )
    handler = eio_socket_module.Socket._websocket_handler
    for call in ("ws.wait()", "ws.send(", "ws.close()"):
        require_source_mentions(handler, call, EIO, "Socket._websocket_handler", WEBSOCKET)


def test_engineio_socket_state_read_by_the_direct_write(sio_server):
    eio_socket = eio_socket_module.Socket(sio_server.eio, "sid")
    for name in ("upgraded", "upgrading", "closing", "closed"):
        value = getattr(eio_socket, name, None)
        assert isinstance(value, bool), moved(EIO, f"Socket.{name}", BROADCAST)
    queue = getattr(eio_socket, "queue", None)
    assert callable(getattr(queue, "empty", None)), moved(EIO, "Socket.queue.empty()", BROADCAST)
    require_parameters(
        eio_socket.check_ping_timeout, [], EIO, "Socket.check_ping_timeout()", BROADCAST
    )
    assert isinstance(sio_server.eio.sockets, dict), moved(EIO, "Server.sockets", BROADCAST)


def test_engineio_server_services_the_websocket_and_publisher_use(sio_server):
    eio = sio_server.eio
    assert isinstance(eio.max_http_buffer_size, int), moved(
        EIO, "Server.max_http_buffer_size", WEBSOCKET
    )
    for name in ("create_queue", "start_background_task", "sleep"):
        assert callable(getattr(eio, name, None)), moved(EIO, f"Server.{name}", WEBSOCKET)
    frame = eio_packet.Packet(eio_packet.MESSAGE, "2[]").encode()
    assert frame == "42[]", moved(EIO, "packet.Packet(MESSAGE, data).encode()", BROADCAST)


ENGINE_SOCKET = "blog/live/engine_socket.py"


def test_engineio_socket_steps_the_direct_socket_overrides():
    # DirectSocket replaces these methods and keeps their signatures.
    for name, params in (
        ("send", ["self", "pkt"]),
        ("schedule_ping", ["self"]),
        ("_websocket_handler", ["self", "ws"]),
        ("close", ["self", "wait", "abort", "reason"]),
        ("receive", ["self", "pkt"]),
    ):
        method = getattr(eio_socket_module.Socket, name, None)
        assert callable(method), moved(EIO, f"Socket.{name}", ENGINE_SOCKET)
        require_parameters(method, params, EIO, f"Socket.{name}", ENGINE_SOCKET)
    # The ping it takes over: last_ping cleared, then a PING sent after the interval.
    require_source_mentions(
        eio_socket_module.Socket._send_ping,
        "self.last_ping = time.time()",
        EIO,
        "_send_ping",
        ENGINE_SOCKET,
    )


def test_engineio_runs_the_connect_handler_before_the_first_ping_and_transport():
    """use_direct_sockets swaps the socket's class in the connect handler: it must come first."""
    from engineio import server as eio_server

    source = inspect.getsource(eio_server.Server._handle_connect)
    order = [
        source.find("self.sockets[sid] = s"),
        source.find("self._trigger_event('connect'"),
        source.find("s.schedule_ping()"),
        source.find("s.handle_get_request("),
    ]
    assert -1 not in order and order == sorted(order), moved(
        EIO, "Server._handle_connect order", ENGINE_SOCKET, f"offsets {order}"
    )


# -- gevent -----------------------------------------------------------------


def test_gevent_socket_send_takes_a_timeout():
    require_parameters(
        gevent_socket.socket.send,
        ["self", "data", "flags", "timeout"],
        GEVENT,
        "socket.send(data, flags, timeout)",
        WEBSOCKET,
    )


def test_gevent_server_hands_the_raw_socket_down_to_the_app():
    """Under pywsgi, raw_socket finds the client's gevent socket and the OS socket beneath it."""
    seen = {}

    def app(environ, start_response):
        seen["software"] = environ.get("SERVER_SOFTWARE", "")
        sock = raw_socket(environ)
        seen["sock"] = sock
        seen["inner"] = getattr(sock, "_sock", None)
        seen["nodelay"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) if sock else 0
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=ShowfloorHandler, log=None)
    server.start()
    try:
        client = gevent_socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
        with client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := client.recv(4096):
                reply += chunk
    finally:
        server.stop(timeout=1)
    assert reply.startswith(b"HTTP/1.1 200"), reply
    assert seen["software"].startswith("gevent"), moved(
        GEVENT, "pywsgi's SERVER_SOFTWARE", WEBSOCKET, repr(seen["software"])
    )
    assert isinstance(seen["sock"], gevent_socket.socket), moved(
        GEVENT, "environ['wsgi.input'].rfile.raw._sock", WEBSOCKET, f"found {seen['sock']!r}"
    )
    assert callable(getattr(seen["inner"], "send", None)), moved(
        GEVENT, "socket._sock (the OS socket under gevent's)", WEBSOCKET
    )
    assert seen["nodelay"], moved(
        GEVENT, "WSGIHandler.handle / WSGIHandler.socket", HTTP_SERVER, "TCP_NODELAY is off"
    )


# -- wsproto ----------------------------------------------------------------


def test_gevent_handler_steps_the_header_deadline_wraps():
    # ShowfloorHandler times the request head inside handle_one_request, stops
    # the clock in read_request, and closes websocket connections by setting
    # close_connection after handle_one_response.
    for step in ("handle", "handle_one_request", "read_request", "handle_one_response"):
        assert callable(getattr(pywsgi.WSGIHandler, step, None)), moved(
            GEVENT, f"pywsgi.WSGIHandler.{step}", HTTP_SERVER
        )
    assert "close_connection" in inspect.getsource(pywsgi.WSGIHandler), moved(
        GEVENT, "pywsgi.WSGIHandler.close_connection", HTTP_SERVER
    )


def test_wsproto_deflate_negotiates_without_context_takeover():
    require_parameters(
        PerMessageDeflate.__init__,
        ["self", "client_no_context_takeover", "client_max_window_bits"],
        WSPROTO,
        "PerMessageDeflate.__init__",
        WEBSOCKET,
    )
    params = inspect.signature(PerMessageDeflate.__init__).parameters
    assert "server_no_context_takeover" in params, moved(
        WSPROTO, "PerMessageDeflate(server_no_context_takeover=)", WEBSOCKET
    )
    deflate = PerMessageDeflate(server_no_context_takeover=True)
    assert callable(getattr(deflate, "enabled", None)), moved(
        WSPROTO, "PerMessageDeflate.enabled()", WEBSOCKET
    )
    require_attribute(
        deflate,
        "server_max_window_bits",
        WSPROTO,
        "PerMessageDeflate.server_max_window_bits",
        WEBSOCKET,
    )


def test_wsproto_deflate_answers_an_offer_with_its_parameters():
    # blog/live/ws_handshake.py writes the 101 itself from what accept() returns.
    deflate = PerMessageDeflate(server_no_context_takeover=True)
    accepted = deflate.accept("permessage-deflate; client_max_window_bits")
    assert isinstance(accepted, str) and "server_no_context_takeover" in accepted, moved(
        WSPROTO, "PerMessageDeflate.accept(offer) -> parameters", "blog/live/ws_handshake.py"
    )
    assert deflate.enabled(), moved(WSPROTO, "PerMessageDeflate.accept enables it", WEBSOCKET)


def test_gevent_handler_keeps_its_request_reader_in_rfile():
    # ShowfloorHandler replaces rfile with a smaller buffer right after construction.
    require_parameters(
        pywsgi.WSGIHandler.__init__,
        ["self", "sock", "address", "server"],
        GEVENT,
        "pywsgi.WSGIHandler.__init__",
        HTTP_SERVER,
    )
    require_source_mentions(
        pywsgi.WSGIHandler.__init__, "self.rfile", GEVENT, "WSGIHandler.rfile", HTTP_SERVER
    )


def test_wsproto_deflate_tells_how_the_client_compresses():
    # blog/live/ws_reader.py inflates the client's messages with what was agreed.
    deflate = PerMessageDeflate(server_no_context_takeover=True)
    deflate.accept("permessage-deflate; client_max_window_bits=12; client_no_context_takeover")
    assert getattr(deflate, "client_max_window_bits", None) == 12, moved(
        WSPROTO, "PerMessageDeflate.client_max_window_bits", WEBSOCKET
    )
    assert getattr(deflate, "client_no_context_takeover", None) is True, moved(
        WSPROTO, "PerMessageDeflate.client_no_context_takeover", WEBSOCKET
    )


def test_engineio_forgets_a_closed_websocket_when_its_handler_returns():
    # A parked DirectSocket returns from the handler while still open, so it
    # does this step itself when it ends.
    from engineio import server as eio_server

    require_source_mentions(
        eio_server.Server._handle_connect,
        "if s.closed and sid in self.sockets:",
        EIO,
        "Server._handle_connect's clean-up after the websocket handler",
        ENGINE_SOCKET,
    )


def test_gevent_leaves_a_connection_open_once_its_handler_dropped_the_socket():
    # hold_connection: the handler sets its socket to None so handle() does not
    # close it, and the server's do_close (overridden) is the only other closer.
    require_source_mentions(
        pywsgi.WSGIHandler.handle,
        "if self.socket is not None:",
        GEVENT,
        "WSGIHandler.handle's closing of its socket",
        HTTP_SERVER,
    )
    from gevent import baseserver

    require_source_mentions(
        baseserver.BaseServer.do_handle,
        "close = self.do_close",
        GEVENT,
        "BaseServer.do_handle closing connections through do_close",
        HTTP_SERVER,
    )


def test_flask_socketio_runs_each_event_in_the_apps_request_context():
    # blog/platform/socket_context.py makes that context lighter, and relies on
    # Flask-SocketIO putting the socket's own session into it.
    used_by = "blog/platform/socket_context.py"
    internal = "SocketIO._handle_event"
    handle = SocketIO._handle_event
    for text in ("app.request_context(environ)", "saved_session"):
        require_source_mentions(handle, text, FLASK_SOCKETIO, internal, used_by)
