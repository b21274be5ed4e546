"""Entry point: `python app.py` serves Showfloor; `flask --app app` finds create_app."""

if __name__ == "__main__":
    # gevent must patch the standard library before anything else imports it.
    from gevent import monkey

    monkey.patch_all()

import gc
import logging
import os
import sys

from sqlalchemy.exc import OperationalError

from blog import create_app
from blog.live.queue import start_listening
from blog.platform.durability import durability_problem
from blog.platform.extensions import socketio
from blog.platform.migrate import schema_problem


def startup_problem(engine) -> str | None:
    """Say why this server must not start on this database, or None."""
    try:
        return schema_problem(engine) or durability_problem(engine)
    except OperationalError as exc:
        return f"the database at {engine.url!r} is unreachable ({exc.orig})."


def main() -> None:
    """Check the schema and durability settings, then serve HTTP and websockets."""
    app = create_app()
    problem = startup_problem(app.extensions["showfloor_engine"])
    if problem:
        sys.exit(f"Showfloor cannot start: {problem}")
    # Checked just now: requests need not check again, so /healthz answers
    # without the database even if it is down when the first request comes.
    app.extensions["showfloor_schema_ok"] = True
    # Fewer full collections: with thousands of sockets they paused the
    # server for hundreds of milliseconds (see docs/operations.md).
    gc.set_threshold(50_000, 50, 1_000)
    start_listening(socketio.server)
    if app.config["WEBHOOKS_IN_SERVER"]:
        from blog.webhooks.runner import start_in_server

        start_in_server(app)
    host = os.environ.get("SHOWFLOOR_HOST", "127.0.0.1")
    port = int(os.environ.get("SHOWFLOOR_PORT", "5000"))
    print(f"Showfloor is serving on http://{host}:{port}/ (async mode {socketio.async_mode})")
    if socketio.async_mode == "gevent":
        from blog.live import reconnects
        from blog.platform.http_server import serve

        # Returns once SIGTERM drained the process (docs/operations.md, "Rolling restart").
        serve(app, host, port, reconnects)
        app.extensions["showfloor_engine"].dispose()
        print("Showfloor drained and stopped", flush=True)
        logging.shutdown()
        # Every socket and request is finished; tearing down the interpreter
        # with the ping and queue greenlets still parked took seconds more.
        os._exit(0)
    else:
        socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
