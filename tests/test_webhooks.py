"""Webhooks end to end in one process: a real HTTP receiver, the worker pass by pass, a set clock.

The receiver listens on 127.0.0.1, which the address guard refuses, so these
tests allow that one address (SHOWFLOOR_WEBHOOK_ALLOW_HOSTS's setting).
"""

from __future__ import annotations

import uuid

import pytest
import webhook_support
from conftest import api_headers
from sqlalchemy import select
from webhook_support import Receiver, verify

from blog import actions
from blog.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from blog.platform import db
from blog.webhooks import worker

EVERY = [
    "entry_published",
    "entry_edited",
    "entry_retracted",
    "entry_pinned",
    "entry_unpinned",
    "entry_key_changed",
    "blog_status_changed",
]

# The real receiver and the set clock, shared by the webhook tests.
clock, receiver = webhook_support.clock, webhook_support.receiver


@pytest.fixture
def headers(editor):
    return api_headers(editor)


def register(client, headers, event, url, types=None) -> dict:
    body = {"url": url, "change_types": types or EVERY, "description": "CMS"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    response = client.post(
        f"/api/v1/events/{event.slug}/webhooks", json=body, headers=headers | key
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def run() -> int:
    sent = worker.run_once("test-worker")
    db.session.remove()
    return sent


def test_a_delivery_is_signed_and_carries_the_change_as_the_stream_serves_it(
    client, clock, receiver, headers, blog, make_entry
):
    hook = register(client, headers, blog.event, receiver.url)
    assert (
        hook["secret"].startswith("whsec_")
        and "secret"
        not in client.get(f"/api/v1/events/{blog.event.slug}/webhooks", headers=headers).get_json()[
            "webhooks"
        ][0]
    )
    entry = make_entry(blog, source="Hello **hooks**")
    assert run() == 1
    [got] = receiver.received
    now = int(clock().timestamp())
    assert verify(hook["secret"], got.headers["Showfloor-Signature"], got.body, now)
    assert not verify(hook["secret"], got.headers["Showfloor-Signature"], got.body + b" ", now)
    assert not verify(hook["secret"], got.headers["Showfloor-Signature"], got.body, now + 301)
    stream = client.get(f"/api/v1/blogs/{blog.id}/changes?since={got.seq - 1}").get_json()
    assert got.json["change"] == stream["changes"][0]
    assert got.json["change"]["entry_id"] == entry.id and got.json["event"] == blog.event.slug
    assert got.json["delivery_id"] == got.delivery_id
    assert run() == 0, "a delivered change is not sent again"


def test_deliveries_go_in_seq_order_per_blog(
    client, clock, receiver, headers, make_blog, make_event, make_entry, editor
):
    event = make_event()
    first, second = make_blog(event), make_blog(event)
    register(client, headers, event, receiver.url)
    for n in range(4):
        make_entry(first, source=f"first {n}")
        entry = make_entry(second, source=f"second {n}")
    actions.pin_entry(editor, entry.id, True)
    actions.edit_entry(editor, entry.id, entry.version, actions.EntryInput(source="edited"))
    run()
    for blog in (first, second):
        seqs = [r.seq for r in receiver.received if r.json["change"]["blog_id"] == blog.id]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert len(receiver.received) == 10


def test_a_500_is_retried_later_and_nothing_after_it_overtakes_it(
    client, clock, receiver, headers, blog, make_entry
):
    hook = register(client, headers, blog.event, receiver.url)
    receiver.answer = lambda got: 500 if len(receiver.received) == 1 else 200
    make_entry(blog, source="one")
    make_entry(blog, source="two")
    run()
    assert len(receiver.received) == 1, "the second waits while the first fails"
    run()
    assert len(receiver.received) == 1, "not before its retry time"
    clock.advance(seconds=12)
    run()
    seqs = [r.seq for r in receiver.received]
    assert seqs == [seqs[0], seqs[0], seqs[0] + 1]
    assert receiver.received[0].delivery_id == receiver.received[1].delivery_id
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).get_json()
    oldest = log["deliveries"][-1]
    assert oldest["state"] == "delivered" and oldest["attempts"] == 2
    assert [a["status"] for a in oldest["last_attempts"]] == [200, 500]
    assert all(a["duration_ms"] is not None for a in oldest["last_attempts"])


def test_a_receiver_that_is_down_gets_the_delivery_once_it_is_back(
    client, clock, headers, blog, make_entry
):
    receiver = Receiver()  # not started: nothing listens on its port
    register(client, headers, blog.event, receiver.url)
    make_entry(blog)
    run()
    attempt = db.session.scalars(select(WebhookAttempt)).one()
    assert attempt.status_code is None and "refused" in attempt.error
    receiver.start()
    try:
        clock.advance(minutes=1)
        run()
        assert len(receiver.received) == 1
    finally:
        receiver.stop()


def test_a_retraction_is_delivered_as_a_takedown_and_takes_earlier_text_with_it(
    client, clock, receiver, headers, blog, make_entry, editor
):
    register(client, headers, blog.event, receiver.url, types=["entry_published"])
    receiver.answer = lambda got: 503
    entry = make_entry(blog, source="Words that must go")
    run()
    actions.retract_entry(editor, entry.id)
    receiver.answer = lambda got: 200
    clock.advance(minutes=1)
    run()
    changes = [r.json["change"] for r in receiver.received]
    assert [c["type"] for c in changes] == ["entry_published"] * 2 + ["entry_retracted"]
    assert changes[-1] == {**changes[-1], "taken_down": True, "entry_id": entry.id}
    assert "Words that must go" in receiver.received[0].body.decode()
    assert "Words that must go" not in receiver.received[1].body.decode(), "resent as tombstone"


def test_days_of_failure_pause_the_endpoint_and_the_editor_is_told(
    client, clock, receiver, headers, blog, make_entry, editor
):
    from conftest import login

    hook = register(client, headers, blog.event, receiver.url)
    receiver.answer = lambda got: 500
    make_entry(blog)
    for _ in range(80):  # hourly retries over three days
        run()
        clock.advance(hours=1)
    endpoint = db.session.get(WebhookEndpoint, hook["id"])
    assert endpoint.paused_at is not None and "HTTP 500" in endpoint.pause_reason
    tried = len(receiver.received)
    clock.advance(hours=5)
    run()
    assert len(receiver.received) == tried, "a paused endpoint gets nothing"
    login(client, editor)
    desk = client.get(f"/curate/events/{blog.event.id}/").get_data(as_text=True)
    assert f'data-paused-webhook="{hook["id"]}"' in desk
    receiver.answer = lambda got: 200
    path = f"/api/v1/webhooks/{hook['id']}"
    resumed = client.patch(path, json={"paused": False}, headers=headers)
    assert resumed.get_json()["paused"] is False
    run()
    assert len(receiver.received) == tried + 1


def test_redeliver_sends_the_same_delivery_id_again(
    client, clock, receiver, headers, blog, make_entry
):
    hook = register(client, headers, blog.event, receiver.url)
    make_entry(blog)
    run()
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).get_json()
    [delivery] = log["deliveries"]
    answer = client.post(f"/api/v1/deliveries/{delivery['id']}/redeliver", headers=headers)
    assert answer.status_code == 202 and answer.get_json()["redeliver_requested"] is True
    run()
    assert [r.delivery_id for r in receiver.received] == [delivery["id"]] * 2


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    client, clock, receiver, headers, blog, make_entry
):
    hook = register(client, headers, blog.event, receiver.url)
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate", headers=headers).get_json()
    make_entry(blog)
    run()
    got, now = receiver.received[-1], int(clock().timestamp())
    for secret in (hook["secret"], rotated["secret"]):
        assert verify(secret, got.headers["Showfloor-Signature"], got.body, now)
    body = {"keep_previous": False}
    again = client.post(f"/api/v1/webhooks/{hook['id']}/rotate", json=body, headers=headers)
    make_entry(blog)
    run()
    got = receiver.received[-1]
    assert verify(again.get_json()["secret"], got.headers["Showfloor-Signature"], got.body, now)
    assert not verify(rotated["secret"], got.headers["Showfloor-Signature"], got.body, now)


# ---- the address guard --------------------------------------------------------------------

BY_NUMBER = [
    "https://127.0.0.1/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f.0.0.1/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.9/hook",
    "https://192.168.1.20/hook",
    "https://100.64.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", BY_NUMBER)
def test_private_loopback_and_metadata_addresses_are_refused_by_number(client, headers, blog, url):
    body = {"url": url, "change_types": EVERY}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    refused = client.post(
        f"/api/v1/events/{blog.event.slug}/webhooks", json=body, headers=headers | key
    )
    assert refused.status_code == 422, refused.get_json()
    assert "public addresses" in refused.get_json()["error"]
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


BY_NAME = {
    "localhost": None,  # the system's own resolver
    "cms.intranet.test": ["10.20.30.40"],
    "metadata.cloud.test": ["169.254.169.254"],
    "rebind.test": ["93.184.216.34", "127.0.0.1"],  # one public address does not excuse another
    "v6.test": ["fd12:3456::1"],
}


@pytest.mark.parametrize("host", sorted(BY_NAME))
def test_names_that_resolve_to_private_addresses_are_refused_at_send_time(
    app, client, clock, headers, blog, make_entry, host
):
    app.config["WEBHOOK_ALLOW_HOSTS"] = []  # nothing private allowed, not even the receiver's
    receiver = Receiver().start()
    mapped = BY_NAME[host]
    if mapped is not None:
        app.config["WEBHOOK_RESOLVER"] = lambda name, port: mapped if name == host else []
    try:
        register(client, headers, blog.event, f"https://{host}:{receiver.port}/hook")
        make_entry(blog)
        run()
        attempt = db.session.scalars(select(WebhookAttempt)).one()
        assert attempt.error.startswith("refused:") and "public addresses" in attempt.error
        assert receiver.received == []
    finally:
        receiver.stop()


def test_a_name_is_resolved_once_and_the_checked_address_is_used(
    app, client, clock, receiver, headers, blog, make_entry
):
    app.config["WEBHOOK_RESOLVER"] = lambda name, port: ["127.0.0.1"]
    register(client, headers, blog.event, f"http://cms.example.test:{receiver.port}/hook")
    make_entry(blog)
    run()
    assert receiver.received[0].headers["Host"] == f"cms.example.test:{receiver.port}"


def test_redirects_are_not_followed(client, clock, receiver, headers, blog, make_entry):
    register(client, headers, blog.event, receiver.url)
    receiver.answer = lambda got: 307
    make_entry(blog)
    run()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.delivered_at is None and "redirects are not followed" in delivery.last_error


def test_plain_http_and_bad_input_are_refused_without_change(client, headers, blog):
    path = f"/api/v1/events/{blog.event.slug}/webhooks"
    for body, field in [
        ({"url": "http://example.org/hook", "change_types": EVERY}, "url"),
        ({"url": "https://user:pw@example.org/", "change_types": EVERY}, "url"),
        ({"url": "https://example.org/hook", "change_types": ["entry_exploded"]}, "change_types"),
        ({"url": "https://example.org/hook", "change_types": []}, "change_types"),
        ({"url": "https://example.org/hook", "change_types": "entry_published"}, "change_types"),
    ]:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        refused = client.post(path, json=body, headers=headers | key)
        assert refused.status_code == 422 and field in refused.get_json()["fields"], body
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


# ---- the documented verifiers -------------------------------------------------------------


def documented(language: str) -> str:
    """The verification example of docs/api.md in this language."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("### Verifying the signature", 1)[1].split("\n### ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def signed_example() -> tuple[str, str, bytes, int]:
    from blog.webhooks import signing

    secret, body, now = signing.new_secret(), '{"change": {"text": "é"}}'.encode(), 1796419919
    return secret, signing.header([signing.new_secret(), secret], now, body), body, now


def test_the_documented_python_verifier_accepts_a_signature_and_nothing_else():
    scope: dict = {}
    exec(documented("python"), scope)  # noqa: S102 (our own documentation)
    secret, header, body, now = signed_example()
    assert scope["verify"](secret, header, body, now)
    assert not scope["verify"](secret, header, body + b" ", now)
    assert not scope["verify"](secret, header, body, now + 301)
    assert not scope["verify"]("whsec_other", header, body, now)


def test_the_documented_node_verifier_accepts_a_signature_and_nothing_else(tmp_path):
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    secret, header, body, now = signed_example()
    script = tmp_path / "verify.js"
    script.write_text(
        documented("js")
        + "const [s, h, b, n] = process.argv.slice(2); const body = Buffer.from(b, 'hex');\n"
        + "console.log([verify(s, h, body, +n), verify(s, h, Buffer.concat([body, body]), +n),"
        + " verify(s, h, body, +n + 301), verify('whsec_other', h, body, +n)].join(' '));\n"
    )
    args = [node, str(script), secret, header, body.hex(), str(now)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.split() == ["true", "false", "false", "false"]


def test_an_event_export_carries_no_webhook_nor_its_secret(client, headers, blog):
    from blog.archive.export import export_event

    hook = register(client, headers, blog.event, "https://hooks.example.org/in")
    exported = str(export_event(blog.event))
    assert hook["secret"] not in exported and "webhook_endpoint" not in exported
