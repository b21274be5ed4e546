"""Releases scheduled entries and embargoed batches when their time comes.

Each server process runs one loop; releasing is idempotent under the blog
lock, so several processes may race for the same entry and only one wins.
"""

from __future__ import annotations

from flask import Flask

from blog.platform import db
from blog.platform.extensions import socketio

_started: set[int] = set()


def start(app: Flask) -> None:
    """Start this process's release loop once, if the app has an interval configured."""
    interval = app.config.get("SCHEDULER_INTERVAL")
    if not interval or id(app) in _started:
        return
    _started.add(id(app))
    socketio.start_background_task(_loop, app, float(interval))


def _loop(app: Flask, interval: float) -> None:
    from blog.actions import release_due

    while True:
        # Flask-SocketIO's stubs say whole seconds; it passes any number to the server's sleep.
        socketio.sleep(interval)  # type: ignore[arg-type]
        with app.app_context():
            try:
                release_due()
            except Exception:  # keep the loop alive; the next tick retries
                app.logger.exception("releasing scheduled entries failed")
            finally:
                db.session.remove()
