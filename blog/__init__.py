"""The application factory: configuration, extensions, blueprints."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask

from blog.live import broadcast, packet_guard, packet_json, queue, repair
from blog.platform import db, i18n, limits, metrics, page_cache, session_cookie
from blog.platform.config import load_config
from blog.platform.extensions import csrf, socket_server, socket_server_or_none, socketio
from blog.platform.public_origin import PublicOrigin
from blog.platform.socket_context import ShowfloorFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build a Showfloor app; overrides replace settings read from the environment."""
    app = ShowfloorFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.extensions["showfloor_engine"] = db.init_engine(app.config["DATABASE_URL"])
    session_cookie.init_app(app)
    # Innermost: engine.io still checks websocket origins against the real host.
    # Flask's documented way to wrap the app in WSGI middleware; its types call wsgi_app a method.
    app.wsgi_app = PublicOrigin(app.wsgi_app, app.config)  # type: ignore[method-assign]
    csrf.init_app(app)
    i18n.init_app(app)
    _init_socketio(app)
    # After Socket.IO wrapped the WSGI app: handshakes are counted before it.
    limits.init_app(app)
    _answer_anonymous_pages_first(app)
    _register(app)
    return app


def _init_socketio(app: Flask) -> None:
    # cors_allowed_origins=None makes engine.io accept only same-origin
    # handshakes; extra origins (a proxy's public host) come from config.
    # init_app passes every server option on (serializer included, documented);
    # Flask-SocketIO's stubs list only some of them.
    socketio.init_app(  # type: ignore[call-arg]
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE_URL"],
        # Always given, None included: the extension object outlives each
        # app, and a manager left from an earlier app must not carry over.
        client_manager=queue.client_manager(
            app.config["MESSAGE_QUEUE_URL"], app.config["MESSAGE_QUEUE_CHANNEL"]
        ),
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"],
        # Larger messages close the connection before they are parsed.
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE_BYTES"],
        # Parse failures named as such, for the packet guard (blog/live/packet_guard.py).
        serializer=packet_guard.ShowfloorPacket,
        # One encoder and one decoder for every packet (blog/live/packet_json.py).
        json=packet_json.PacketJSON,
        ping_interval=app.config["PING_INTERVAL"],
        ping_timeout=app.config["PING_TIMEOUT"],
        # A socket's events run one after another in the greenlet that read
        # them, in the order sent, instead of a new greenlet each: a follow
        # then an unfollow cannot swap, and a reconnect spawns one fewer.
        async_handlers=False,
    )
    broadcast.use_showfloor_websocket(socket_server_or_none())
    repair.init_app(app)
    packet_guard.guard_packets(app, socket_server())


def _answer_anonymous_pages_first(app: Flask) -> None:
    # Outermost: a remembered page skips the limits, engine.io and Flask alike.
    cache = page_cache.AnonymousPageCache(app.wsgi_app, app.config, observe=metrics.observe_page)
    # Flask's documented way to wrap the app in WSGI middleware; its types call wsgi_app a method.
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.extensions["showfloor_page_cache"] = cache
    queue.forget_on_remote_changes(socket_server_or_none(), cache.forget)


# Each audience's view modules, in blog/<audience>/: importing one attaches its
# routes to the audience's blueprint, made in the folder's __init__.
VIEW_MODULES = {
    "readers": ("pages", "speakers", "search_page", "feeds", "embed"),
    "desk": ("pages", "irreversible", "login", "json_routes", "uploads"),
    "editor": ("curation", "coverage", "people", "tokens", "review", "records", "webhooks"),
    "api": ("routes", "discovery", "editor_routes", "hub_routes", "webhook_routes"),
}


def _register(app: Flask) -> None:
    from blog import cli
    from blog.actions import lifecycle
    from blog.api import routes
    from blog.content import players
    from blog.desk import json_routes, login, uploads
    from blog.live import handlers
    from blog.ops import routes as ops
    from blog.platform import caching, web

    frames = players.frame_sources(app.config["EMBED_MASTODON_HOSTS"])
    web.init_app(app, login.current_session_user, lifecycle.start_release_loop, frames)
    caching.init_app(app)
    for audience, modules in VIEW_MODULES.items():
        for module in modules:
            import_module(f"blog.{audience}.{module}")
    for blueprint in (
        import_module("blog.readers").bp,
        import_module("blog.desk").bp,
        json_routes.bp,
        uploads.bp,
        routes.bp,
        import_module("blog.editor").bp,
        ops.bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(routes.bp)
    handlers.register(socketio)
    cli.register(app)
