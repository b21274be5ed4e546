"""Unbound extension singletons, bound to the app in the factory; the socket an event is from."""

from __future__ import annotations

from contextvars import ContextVar
from typing import NamedTuple

import socketio as socketio_lib
from flask import request
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

socketio = SocketIO()
csrf = CSRFProtect()


class SocketEvent(NamedTuple):
    """The socket a light event (blog/live/light_events.py) came on: no request context holds it."""

    sid: str
    namespace: str
    environ: dict


# Set while a light event runs; Flask-SocketIO's events keep it on flask.request instead.
_LIGHT_EVENT: ContextVar[SocketEvent | None] = ContextVar("showfloor_light_event", default=None)


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


def enter_light_event(event: SocketEvent):
    """Mark event as the one being handled; returns the token leave_light_event takes."""
    return _LIGHT_EVENT.set(event)


def leave_light_event(token) -> None:
    """Unmark the event entered with token."""
    _LIGHT_EVENT.reset(token)


def current_sid() -> str:
    """The Socket.IO session id of the socket whose event is being handled."""
    light = _LIGHT_EVENT.get()
    if light is not None:
        return light.sid
    # Flask-SocketIO sets request.sid for each socket event; Flask's stubs cannot know.
    return request.sid  # type: ignore[attr-defined]


def current_namespace() -> str:
    """The Socket.IO namespace of the event being handled."""
    light = _LIGHT_EVENT.get()
    if light is not None:
        return light.namespace
    return request.namespace or "/"  # type: ignore[attr-defined]


def current_socket_environ() -> dict:
    """The WSGI environ of the handshake that opened the current event's socket."""
    light = _LIGHT_EVENT.get()
    return light.environ if light is not None else request.environ


def join_room(room: str) -> None:
    """Put the current event's socket in room."""
    socket_server().enter_room(current_sid(), room, namespace=current_namespace())


def leave_room(room: str) -> None:
    """Take the current event's socket out of room."""
    socket_server().leave_room(current_sid(), room, namespace=current_namespace())


def current_rooms() -> list[str]:
    """The rooms the current event's socket is in, its own room included."""
    return socket_server().rooms(current_sid(), namespace=current_namespace())
