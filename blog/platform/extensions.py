"""Unbound extension singletons, bound to the app in the factory."""

import socketio as socketio_lib
from flask import request
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

socketio = SocketIO()
csrf = CSRFProtect()


def socket_server_or_none() -> socketio_lib.Server | None:
    """The python-socketio server behind Flask-SocketIO; None until the app is created."""
    # SocketIO.init_app sets .server; Flask-SocketIO's stubs leave the attribute out.
    return socketio.server  # type: ignore[attr-defined]


def socket_server() -> socketio_lib.Server:
    """The python-socketio server behind Flask-SocketIO, once the app is created."""
    server = socket_server_or_none()
    if server is None:
        raise RuntimeError("Socket.IO has no server yet: create the app first.")
    return server


def current_sid() -> str:
    """The Socket.IO session id of the socket whose event is being handled."""
    # Flask-SocketIO sets request.sid for each socket event; Flask's stubs cannot know.
    return request.sid  # type: ignore[attr-defined]
