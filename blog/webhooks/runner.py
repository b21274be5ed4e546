"""Where the webhook worker runs: `flask --app app webhooks work`, or inside the server process."""

from __future__ import annotations

import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from blog.platform import db
from blog.platform.extensions import socketio
from blog.webhooks import worker

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries.")
# Loops per process: a slow receiver holds one loop for up to its time bound, not all.
DEFAULT_LOOPS = 4


def start_in_server(app: Flask, loops: int = DEFAULT_LOOPS) -> None:
    """Run worker loops as background tasks of the server (gevent: greenlets, sockets patched).

    The first is the lookout; the others rest until a change commits or work turns up.
    """
    for n in range(loops):
        socketio.start_background_task(worker.run_forever, app, n == 0)


@webhooks_cli.command("work")
@click.option("--loops", default=DEFAULT_LOOPS, show_default=True, help="Concurrent loops.")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a test).")
@with_appcontext
def work(loops: int, once: bool):
    """Deliver webhooks until stopped; any number of these may run side by side."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        sent = worker.run_once(worker.new_owner())
        db.session.remove()
        click.echo(f"Sent {sent} webhook requests.")
        return
    click.echo(f"Delivering webhooks with {loops} loops; stop with Ctrl-C.", err=True)
    threads = [
        threading.Thread(target=worker.run_forever, args=(app, n == 0), daemon=True)
        for n in range(loops)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
