"""Entry point: `python app.py` serves Showfloor; `flask --app app` finds create_app."""

if __name__ == "__main__":
    # gevent must patch the standard library before anything else imports it.
    from gevent import monkey

    monkey.patch_all()

import gc
import os
import sys

from blog import create_app
from blog.extensions import socketio
from blog.migrate import schema_problem


def main() -> None:
    """Check the schema, then serve HTTP and websockets until interrupted."""
    app = create_app()
    problem = schema_problem(app.extensions["showfloor_engine"])
    if problem:
        sys.exit(f"Showfloor cannot start: {problem}")
    # Fewer full collections: with thousands of sockets they paused the
    # server for hundreds of milliseconds (see docs/operations.md).
    gc.set_threshold(50_000, 50, 1_000)
    host = os.environ.get("SHOWFLOOR_HOST", "127.0.0.1")
    port = int(os.environ.get("SHOWFLOOR_PORT", "5000"))
    print(f"Showfloor is serving on http://{host}:{port}/ (async mode {socketio.async_mode})")
    socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
