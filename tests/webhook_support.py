"""A real webhook receiver: an HTTP server in the test process on a free port of 127.0.0.1.

It records every request (headers and body) and answers with what the test
chose: a status per request, or holding a request until the test lets it go.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from procs import free_port


@dataclass
class Received:
    """One request as the receiver saw it."""

    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def seq(self) -> int:
        return self.json["change"]["seq"]

    @property
    def delivery_id(self) -> int:
        return int(self.headers["Showfloor-Delivery"])


class Receiver:
    """Start, stop and start again on the same port; answer() decides each status."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        self.answer = lambda got: 200  # the status for a request (got: Received)
        self.hold_seq: int | None = None  # the first request of this seq waits for release
        self.held = threading.Event()
        self.release = threading.Event()
        self.arrived = threading.Condition()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                got = Received(dict(self.headers.items()), self.rfile.read(length))
                receiver.record(got)
                if got.seq == receiver.hold_seq and not receiver.held.is_set():
                    receiver.held.set()
                    receiver.release.wait(60)
                try:
                    self.send_response(receiver.answer(got))
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the worker was killed while we held its request
                    pass

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def record(self, got: Received) -> None:
        with self.arrived:
            self.received.append(got)
            self.arrived.notify_all()

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_for(self, check, timeout: float = 30) -> None:
        """Wait until check(received) holds; fail after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not check(self.received):
                left = deadline - time.monotonic()
                seqs = [r.seq for r in self.received]
                assert left > 0, f"receiver: condition not met; got seqs {seqs}"
                self.arrived.wait(left)


class Clock:
    """An injectable clock (app.config["CLOCK"]) that moves only when told."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def seed_webhook(editor, event, post_entry) -> dict:
    """An endpoint of the event and one delivery planned for it (never sent: no worker runs).

    post_entry() publishes an entry in one of the event's blogs; the endpoint is
    registered first, so that entry's change becomes the delivery.
    """
    from sqlalchemy import select

    from blog.models import WebhookDelivery, WebhookStream
    from blog.platform import db
    from blog.webhooks import endpoints, worker

    url, types = "https://hooks.example.org/in", ["entry_published"]
    data = endpoints.EndpointInput(url=url, change_types=types)
    endpoint, _ = endpoints.create_endpoint(editor, event.id, data)
    post_entry()
    worker.add_missing_streams()  # the entry may be in a blog made after the endpoint
    for stream in db.session.scalars(
        select(WebhookStream.id).where(WebhookStream.endpoint_id == endpoint.id)
    ).all():
        worker.plan(stream)
    of_endpoint = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    return {"webhook_id": endpoint.id, "delivery_id": db.session.scalars(of_endpoint).first()}


# The verification a receiver runs, exactly as docs/api.md shows it in Python.
def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    signed = stamps[0].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")


@pytest.fixture
def clock(app):
    """A set clock for the app, and webhooks allowed to reach this machine's receiver."""
    clock = Clock()
    app.config.update(CLOCK=clock, WEBHOOK_ALLOW_HOSTS=["127.0.0.1"], WEBHOOK_TIMEOUT_S=5)
    return clock


@pytest.fixture
def receiver():
    """A running receiver, stopped at the end."""
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
