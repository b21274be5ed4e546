"""How long delivered webhook deliveries are kept; older ones, with their attempts, are pruned.

The delivery log shows an editor what a receiver got and lets them send it
again. A delivery that reached its receiver weeks ago is of no more use there,
and every change of every followed blog adds a row per endpoint: without
pruning the table grows for as long as the installation runs. A delivery still
owed (never answered with 2xx, or queued again by an editor) is never pruned.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from blog.models import WebhookAttempt, WebhookDelivery
from blog.platform import clock, db

# Rows deleted per transaction: a short write lock each time, however much is due.
PRUNE_BATCH = 500
# How often a process's worker loops look for deliveries to prune.
PRUNE_EVERY = timedelta(hours=1)
# Where the app keeps when its worker loops next prune: they share it, so one of them does.
NEXT_PRUNE_KEY = "showfloor_webhook_next_prune"


def keep_for() -> timedelta:
    """How long a delivered delivery stays in the log (SHOWFLOOR_WEBHOOK_KEEP_DAYS)."""
    return timedelta(days=int(current_app.config["WEBHOOK_KEEP_DAYS"]))


def prune_if_due() -> int:
    """Prune when this process has not done so for PRUNE_EVERY; return how many went."""
    now = clock.now()
    due = current_app.extensions.get(NEXT_PRUNE_KEY)
    if due is not None and now < due:
        return 0
    current_app.extensions[NEXT_PRUNE_KEY] = now + PRUNE_EVERY
    return prune_delivered(now - keep_for())


def prune_delivered(before: datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete the deliveries delivered before `before` and not queued again; return how many."""
    pruned = 0
    while True:
        taken = _prune_batch(before, batch)
        pruned += taken
        if taken < batch:
            return pruned
        # A backlog takes many batches: let readers and requests in between
        # (under gevent, time.sleep yields to the event loop).
        time.sleep(0)


def _prune_batch(before: datetime, batch: int) -> int:
    old = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.delivered_at.is_not(None),
            WebhookDelivery.delivered_at < before,
            WebhookDelivery.redeliver_at.is_(None),
        )
        .order_by(WebhookDelivery.delivered_at)
        .limit(batch)
    )
    db.begin_write()
    ids = list(db.session.scalars(old))
    if ids:
        db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    db.session.commit()
    return len(ids)
