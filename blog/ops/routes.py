"""Operations endpoints: /healthz (process up), /readyz (services reachable), /metrics."""

from __future__ import annotations

import hmac
import ipaddress
import time

import redis
from flask import Blueprint, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from blog.live import push, queue
from blog.platform import drain
from blog.platform.extensions import socket_server_or_none
from blog.platform.metrics import REGISTRY, REQUEST_LATENCY, ReaderCollector

bp = Blueprint("ops", __name__)

# Readiness must answer fast even when a service hangs: a load balancer
# polls it every few seconds and a stuck probe looks like a dead process.
PROBE_TIMEOUT_S = 1.0
RETRY_AFTER_S = "5"


def _socket_rooms() -> dict:
    server = socket_server_or_none()
    return server.manager.rooms.get("/", {}) if server is not None else {}


REGISTRY.register(ReaderCollector(_socket_rooms, push.blog_room(0).removesuffix("0")))


@bp.get("/healthz")
def healthz():
    """Answer 200 while the process serves requests; touches no service."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database and the message queue answer, else 503 (and while draining)."""
    if drain.draining():
        # At once, before any check: the balancer must stop sending here now.
        response = jsonify({"ready": False, "draining": True})
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER_S
        return response
    checks = {"database": _check_database(), "queue": _check_queue()}
    ready = all(v in ("ok", "not configured") for v in checks.values())
    response = jsonify({"ready": ready, **checks})
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER_S
    return response


def _check_database() -> str:
    try:
        with current_app.extensions["showfloor_engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; say which
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def _check_queue() -> str:
    url = current_app.config.get("MESSAGE_QUEUE_URL")
    if not url:
        return "not configured"
    # Polling readiness subscribes this process if nothing else has yet.
    queue.start_listening(socket_server_or_none())
    client = current_app.extensions.get("showfloor_redis_probe")
    if client is None:
        client = redis.Redis.from_url(
            url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
        )
        current_app.extensions["showfloor_redis_probe"] = client
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"unreachable: {type(exc).__name__}"
    if queue.queue_listening(socket_server_or_none()) is False:
        # Reachable but not yet (re)subscribed: pushes from other processes
        # would not reach this one's readers.
        return "subscribing"
    return "ok"


@bp.get("/metrics")
def metrics():
    """Metrics of this process in the Prometheus text format, for allowed scrapers only."""
    if not metrics_allowed():
        body = "Metrics are served to the addresses in SHOWFLOOR_METRICS_ALLOW or with its token.\n"
        return Response(body, status=403, mimetype="text/plain")
    return Response(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


def metrics_allowed() -> bool:
    """True for a scraper from an allowed peer address (never a forwarded one) or with the token."""
    token = current_app.config.get("METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    # The peer itself: behind a proxy every client would be the proxy's
    # address, so the proxy must not pass /metrics through (deploy/nginx.conf).
    try:
        peer = ipaddress.ip_address(request.environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if peer.version == 6 and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in ipaddress.ip_network(a, strict=False) for a in _allowed())


def _allowed() -> list[str]:
    return current_app.config.get("METRICS_ALLOW") or []


@bp.before_app_request
def _start_timer():
    g.showfloor_request_started = time.perf_counter()


@bp.after_app_request
def _observe_latency(response):
    started = g.pop("showfloor_request_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        REQUEST_LATENCY.labels(endpoint, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response
