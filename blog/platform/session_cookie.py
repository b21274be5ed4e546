"""Flask's signed session cookie, with its signer built once per key set instead of per request.

Flask builds a new itsdangerous serializer each time it opens a session, and
building one encodes a JSON document to probe the serializer. Flask-SocketIO
opens the session for every socket event, so in a storm of reconnects that
probe alone took 6 % of the server's CPU. The signer depends only on the
secret key and its fallbacks; it is rebuilt when they change.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    """The default cookie session, reusing one serializer while the keys stay the same."""

    def __init__(self) -> None:
        self._signer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The serializer for the app's current secret key and fallbacks."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._signer
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]


def init_app(app: Flask) -> None:
    """Sign the app's session cookies with a cached serializer."""
    app.session_interface = CachedSignerSessionInterface()


def cookie_session(app: Flask, environ: dict) -> SessionMixin | None:
    """The session signed into the request's cookie; None when it carries no session cookie.

    A reader has no session cookie, and then no Request object or session is
    built: in a reconnect storm every connect is a reader's.
    """
    if app.config["SESSION_COOKIE_NAME"] + "=" not in environ.get("HTTP_COOKIE", ""):
        return None
    return app.session_interface.open_session(app, app.request_class(environ))
