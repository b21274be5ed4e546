"""Delivered webhook deliveries are pruned after the kept days; what is still owed stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import webhook_support
from conftest import api_headers
from sqlalchemy import func, select, update

from blog.models import WebhookAttempt, WebhookDelivery
from blog.platform import db
from blog.platform.config import ENV_WEBHOOK_KEEP_DAYS, load_config
from blog.webhooks import retention, worker

# The real receiver and the set clock, shared by the webhook tests.
clock, receiver = webhook_support.clock, webhook_support.receiver


def delivered(client, editor, blog, make_entry, receiver, count: int) -> list[int]:
    """count entries published and delivered to a receiver; their delivery ids in seq order."""
    body = {"url": receiver.url, "change_types": ["entry_published"]}
    headers = api_headers(editor) | {"Idempotency-Key": uuid.uuid4().hex}
    path = f"/api/v1/events/{blog.event.slug}/webhooks"
    assert client.post(path, json=body, headers=headers).status_code == 201
    for n in range(count):
        make_entry(blog, source=f"entry {n}")
    assert worker.run_once("test-worker") == count
    db.session.remove()
    return list(db.session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.seq)))


def set_delivery(delivery_id: int, **values) -> None:
    db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
    )
    db.session.commit()


def attempts_of(delivery_id: int) -> int:
    count = select(func.count()).where(WebhookAttempt.delivery_id == delivery_id)
    return db.session.scalar(count)


def test_old_deliveries_go_with_their_attempts_and_owed_ones_stay(
    app, client, clock, receiver, editor, blog, make_entry
):
    old, recent, owed, queued_again = delivered(client, editor, blog, make_entry, receiver, 4)
    clock.advance(hours=2)  # past the pruning the first pass did
    now = clock()
    set_delivery(old, delivered_at=now - timedelta(days=31))
    set_delivery(recent, delivered_at=now - timedelta(days=29))
    # Never answered with 2xx, retried far off: still owed, however old.
    set_delivery(
        owed,
        delivered_at=None,
        created_at=now - timedelta(days=90),
        next_attempt_at=now + timedelta(days=1),
    )
    # An editor asked to send it again.
    set_delivery(queued_again, delivered_at=now - timedelta(days=40), redeliver_at=now)
    assert attempts_of(old) == 1

    worker.run_once("test-worker")  # a pass prunes before it sends
    db.session.remove()

    left = set(db.session.scalars(select(WebhookDelivery.id)))
    assert left == {recent, owed, queued_again}
    assert attempts_of(old) == 0 and attempts_of(recent) == 1


def test_pruning_runs_once_an_hour_per_app_and_keeps_the_configured_days(
    app, client, clock, receiver, editor, blog, make_entry
):
    app.config["WEBHOOK_KEEP_DAYS"] = 7
    first, second = delivered(client, editor, blog, make_entry, receiver, 2)
    clock.advance(days=8)
    set_delivery(second, delivered_at=clock() - timedelta(days=6))  # within the 7 days
    assert retention.prune_if_due() == 1
    assert set(db.session.scalars(select(WebhookDelivery.id))) == {second}
    set_delivery(second, delivered_at=clock() - timedelta(days=8))
    clock.advance(minutes=30)
    assert retention.prune_if_due() == 0, "pruned half an hour ago: not yet"
    clock.advance(minutes=31)
    assert retention.prune_if_due() == 1


def test_a_large_backlog_is_pruned_in_batches(
    app, client, clock, receiver, editor, blog, make_entry
):
    ids = delivered(client, editor, blog, make_entry, receiver, 5)
    clock.advance(days=31)
    assert retention.prune_delivered(clock() - timedelta(days=30), batch=2) == 5
    assert not set(db.session.scalars(select(WebhookDelivery.id))) & set(ids)


@pytest.mark.parametrize("days", ["0", "-3", "a month"])
def test_kept_days_must_be_a_whole_number_above_zero(monkeypatch, tmp_path, days):
    monkeypatch.setenv(ENV_WEBHOOK_KEEP_DAYS, days)
    with pytest.raises(ValueError, match=f"{ENV_WEBHOOK_KEEP_DAYS}: .* whole number above zero"):
        load_config(tmp_path)


def test_kept_days_default_to_thirty_and_are_read_from_the_environment(monkeypatch, tmp_path):
    assert load_config(tmp_path)["WEBHOOK_KEEP_DAYS"] == 30
    monkeypatch.setenv(ENV_WEBHOOK_KEEP_DAYS, "90")
    assert load_config(tmp_path)["WEBHOOK_KEEP_DAYS"] == 90
