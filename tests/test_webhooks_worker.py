"""The webhook worker as a process: killed with SIGKILL mid-delivery, it loses and doubles nothing.

Runs on the suite's backend (SQLite file or PostgreSQL). The receiver holds one
request open while the test kills the worker; a second worker takes the stream
over once the first one's lease expired and resends that delivery with the
same delivery id, then carries on in seq order. One real worker is started
after the kill; the first is the one killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid

from conftest import api_headers
from procs import ROOT, wait_until
from sqlalchemy import select
from webhook_support import Receiver

from blog.models import LiveBlog, WebhookAttempt, WebhookDelivery
from blog.platform import db

TIMEOUT_S = 2  # each request's bound; a claim's lease is three times it


def start_worker(database_url: str, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SHOWFLOOR_DATABASE_URL": database_url,
        "SHOWFLOOR_SECRET_KEY": "worker-test",
        "SHOWFLOOR_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "SHOWFLOOR_WEBHOOK_TIMEOUT_S": str(TIMEOUT_S),
    }
    args = [sys.executable, "-m", "flask", "--app", "app", "webhooks", "work", "--loops", "1"]
    with open(log_path, "ab") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)


def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing(
    app, client, database_url, editor, blog, make_entry, tmp_path
):
    app.config["WEBHOOK_ALLOW_HOSTS"] = ["127.0.0.1"]
    receiver = Receiver().start()
    log_path = tmp_path / "worker.log"
    workers = []
    try:
        body = {"url": receiver.url, "change_types": ["entry_published"]}
        path = f"/api/v1/events/{blog.event.slug}/webhooks"
        key = {"Idempotency-Key": uuid.uuid4().hex}
        assert client.post(path, json=body, headers=api_headers(editor) | key).status_code == 201
        start = db.session.get_one(LiveBlog, blog.id, populate_existing=True).last_seq
        for n in range(5):
            make_entry(blog, source=f"entry {n}")
        expected = list(range(start + 1, start + 6))
        receiver.hold_seq = expected[2]
        workers.append(start_worker(database_url, log_path))
        assert receiver.held.wait(60), log_path.read_text()
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        receiver.release.set()  # its answer goes to a closed connection
        workers.append(start_worker(database_url, log_path))
        receiver.wait_for(lambda got: {r.seq for r in got} >= set(expected), timeout=60)
        more = make_entry(blog, source="after the restart")
        receiver.wait_for(lambda got: any(r.json["change"]["entry_id"] == more.id for r in got))
        wait_until(all_recorded, 30, "the worker records the last answer")
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
        receiver.stop()
    check_received(receiver, expected)


def all_recorded() -> bool:
    db.session.rollback()  # a fresh snapshot each time
    waiting = select(WebhookDelivery.id).where(WebhookDelivery.delivered_at.is_(None))
    return db.session.scalars(waiting).first() is None


def check_received(receiver: Receiver, expected: list[int]) -> None:
    """One delivery id per seq; only the held one arrived twice; first arrivals in seq order."""
    ids_per_seq: dict[int, set[int]] = {}
    for got in receiver.received:
        ids_per_seq.setdefault(got.seq, set()).add(got.delivery_id)
    assert all(len(ids) == 1 for ids in ids_per_seq.values()), ids_per_seq
    arrivals = [r.seq for r in receiver.received]
    held = expected[2]
    assert arrivals.count(held) == 2, arrivals
    assert all(arrivals.count(s) == 1 for s in ids_per_seq if s != held), arrivals
    first_seen = list(dict.fromkeys(arrivals))
    assert first_seen == sorted(first_seen), arrivals
    db.session.rollback()
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.seq)).all()
    assert all(d.delivered_at is not None for d in deliveries)
    assert [d.seq for d in deliveries] == sorted(ids_per_seq)
    held_id = ids_per_seq[held].pop()
    of_held = select(WebhookAttempt).where(WebhookAttempt.delivery_id == held_id)
    attempts = db.session.scalars(of_held.order_by(WebhookAttempt.id)).all()
    # The killed worker's attempt has no recorded answer; the second one has a 200.
    answers = [(a.duration_ms is None, a.status_code) for a in attempts]
    assert answers == [(True, None), (False, 200)]


@contextlib.contextmanager
def server_with_endpoint(app, client, database_url, editor, blog, tmp_path, **env):
    """A `python app.py` server and a receiver registered for the blog's event; yields both."""
    import procs

    app.config["WEBHOOK_ALLOW_HOSTS"] = ["127.0.0.1"]
    receiver = Receiver().start()
    env = {
        "SHOWFLOOR_DATABASE_URL": database_url,
        "SHOWFLOOR_SECRET_KEY": "server-test",
        "SHOWFLOOR_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        **env,
    }
    server = procs.Server(env, tmp_path, "server")
    try:
        body = {"url": receiver.url, "change_types": ["entry_published"]}
        path = f"/api/v1/events/{blog.event.slug}/webhooks"
        key = {"Idempotency-Key": uuid.uuid4().hex}
        assert client.post(path, json=body, headers=api_headers(editor) | key).status_code == 201
        server.start().wait_healthy()
        yield server, receiver
    finally:
        server.stop()
        receiver.stop()


def post_through(server, editor, blog, source: str, key: str):
    """Post an entry through the server's API; return its answer."""
    import procs

    entry = {"source": source, "idempotency_key": key}
    url = f"{server.url}/api/v1/blogs/{blog.id}/entries"
    posted = procs.http("POST", url, entry, api_headers(editor))
    assert posted.status == 201, posted.text
    return posted


def test_the_server_process_delivers_webhooks_by_default(
    app, client, database_url, editor, blog, tmp_path
):
    """`python app.py` under gevent runs worker loops of its own: a post through it is delivered."""
    with server_with_endpoint(app, client, database_url, editor, blog, tmp_path) as (
        server,
        receiver,
    ):
        posted = post_through(server, editor, blog, "Through the server", "server-webhook-1")
        receiver.wait_for(lambda got: len(got) == 1)
        assert receiver.received[0].json["change"]["entry_id"] == posted.json()["id"]


def test_a_change_rings_the_servers_webhook_loops_awake(
    app, client, database_url, editor, blog, tmp_path
):
    """With the idle look ten minutes apart, a post is still sent at once: its commit rang."""
    with server_with_endpoint(
        app, client, database_url, editor, blog, tmp_path, SHOWFLOOR_WEBHOOK_POLL_S="600"
    ) as (server, receiver):
        for n in range(2):
            posted = post_through(server, editor, blog, f"Rung {n}", f"doorbell-{n}")
            receiver.wait_for(lambda got, n=n: len(got) == n + 1)
            assert receiver.received[n].json["change"]["entry_id"] == posted.json()["id"]
