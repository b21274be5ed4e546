"""Prometheus instruments of one server process; blog/ops/routes.py serves them at /metrics.

Each process keeps its own numbers and is scraped on its own port, so no
shared multi-process store is needed (see docs/operations.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

# Our own registry: the library's default one also collects per-process
# gauges that mean nothing to us and would repeat across test apps.
REGISTRY = CollectorRegistry(auto_describe=True)

CHANGES_PUBLISHED = Counter(
    "showfloor_changes_published",
    "Committed changes this process handed to its readers and to the message queue.",
    ["type"],
    registry=REGISTRY,
)
DELIVERY_LAG = Histogram(
    "showfloor_delivery_lag_seconds",
    "Time from a change's row being written to this process emitting it.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
PUSH_BACKLOG = Gauge(
    "showfloor_push_backlog",
    "Changes waiting for the background publisher (grows while the queue stalls).",
    registry=REGISTRY,
)
PUSH_DROPPED = Counter(
    "showfloor_push_dropped",
    "Changes not emitted because the publisher's backlog was full; readers replay them.",
    registry=REGISTRY,
)
QUEUE_SUBSCRIBED = Counter(
    "showfloor_queue_subscribed",
    "Times this process's queue listener was subscribed (at start and after each loss).",
    registry=REGISTRY,
)
CHANGES_REPAIRED = Counter(
    "showfloor_changes_repaired",
    "Changes re-sent from the database to this process's rooms after the queue came back.",
    registry=REGISTRY,
)
CONNECTIONS_SERVING = Gauge(
    "showfloor_connections_serving",
    "Client connections with a greenlet of their own: a request being read or answered.",
    registry=REGISTRY,
)
CONNECTIONS_HELD = Gauge(
    "showfloor_connections_held",
    "Open websockets watched by the event loop, with no greenlet of their own.",
    registry=REGISTRY,
)
REQUEST_LATENCY = Histogram(
    "showfloor_request_duration_seconds",
    "HTTP request latency by endpoint, method and status (websocket traffic excluded).",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)


def observe_page(endpoint: str, status: str, seconds: float) -> None:
    """Count a page answered in front of Flask (platform/page_cache.py) as a request."""
    REQUEST_LATENCY.labels(endpoint, "GET", status).observe(seconds)


def observe_published(change_type: str, written_at: datetime | None) -> None:
    """Count one emitted change and how long after its write it went out."""
    CHANGES_PUBLISHED.labels(change_type).inc()
    if written_at is not None:
        DELIVERY_LAG.observe(max(0.0, (datetime.now(UTC) - written_at).total_seconds()))


class ReaderCollector:
    """Counts this process's connected sockets and the readers in each blog's room at scrape."""

    def __init__(self, rooms_of, room_prefix: str):
        self._rooms_of = rooms_of
        self._prefix = room_prefix

    def collect(self):
        """Yield the sockets gauge and one readers gauge sample per followed blog."""
        rooms = self._rooms_of()
        sockets = GaugeMetricFamily(
            "showfloor_sockets", "Socket.IO connections open on this process."
        )
        sockets.add_metric([], len(rooms.get(None, ())))
        readers = GaugeMetricFamily(
            "showfloor_readers",
            "Readers following each blog on this process.",
            labels=["blog_id"],
        )
        # Copy first: sockets join and leave while the scrape runs.
        for room, members in list(rooms.items()):
            if isinstance(room, str) and room.startswith(self._prefix) and members:
                readers.add_metric([room[len(self._prefix) :]], len(members))
        yield sockets
        yield readers
