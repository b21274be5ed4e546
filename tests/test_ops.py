"""Operations endpoints: liveness, readiness and the Prometheus metrics."""

from __future__ import annotations

import re

from conftest import dispose_app

from blog import create_app


def _sample(client, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    text = client.get("/metrics").get_data(as_text=True)
    match = re.search(rf"^{name}{{{re.escape(wanted)}}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_healthz_answers_without_the_database(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.get_data(as_text=True) == "ok\n"


def test_readyz_reports_each_service(client):
    reply = client.get("/readyz")
    assert reply.status_code == 200
    assert reply.get_json() == {"ready": True, "database": "ok", "queue": "not configured"}


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}",
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "CHECK_SCHEMA": False,
        }
    )
    reply = app.test_client().get("/readyz")
    dispose_app(app)
    assert reply.status_code == 503 and reply.headers["Retry-After"]
    assert reply.get_json()["database"] == "unreachable: OperationalError"


def test_metrics_count_readers_per_blog_and_changes(client, reader, make_blog, make_entry):
    blog, other = make_blog(), make_blog()
    published = _sample(client, "showfloor_changes_published_total", type="entry_published")
    for sio in (reader(), reader()):
        assert sio.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)["ok"]
    make_entry(blog)
    assert _sample(client, "showfloor_readers", blog_id=blog.id) == 2
    assert _sample(client, "showfloor_readers", blog_id=other.id) == 0
    after = _sample(client, "showfloor_changes_published_total", type="entry_published")
    assert after == published + 1


def test_metrics_time_requests_by_endpoint(client):
    client.get("/healthz")
    count = _sample(
        client,
        "showfloor_request_duration_seconds_count",
        endpoint="ops.healthz",
        method="GET",
        status="200",
    )
    assert count >= 1
    reply = client.get("/metrics")
    assert reply.headers["Content-Type"].startswith("text/plain; version=")
    assert "showfloor_delivery_lag_seconds_bucket" in reply.get_data(as_text=True)
