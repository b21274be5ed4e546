"""Headers that keep private pages private and URLs honest: no-store, origin, metrics, HSTS."""

from __future__ import annotations

import pytest
from conftest import IsolatedClient, login

from blog import create_app
from blog.platform.config import ENV_PRODUCTION, ENV_PUBLIC_URL, load_config

FORGED_HOST = "evil.example"


@pytest.mark.parametrize(
    "path",
    [
        "/desk/",
        "/desk/session",
        "/desk/blogs/{blog}",
        "/desk/entries/{entry}/edit",
        "/review/",
        "/records/events/{event}/export.json",
        "/curate/events/{event_id}/",
    ],
)
def test_logged_in_pages_are_never_stored(client, editor, blog, make_entry, path):
    entry = make_entry(blog)
    login(client, editor)
    url = path.format(blog=blog.id, entry=entry.id, event=blog.event.slug, event_id=blog.event.id)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Cache-Control"] == "private, no-store"


def test_public_pages_stay_cacheable(client, blog):
    response = client.get(f"/e/{blog.event.slug}/{blog.slug}/")
    assert response.headers["Cache-Control"] == "public, no-cache"


def blog_page(client, blog):
    return client.get(f"/e/{blog.event.slug}/{blog.slug}/", headers={"Host": FORGED_HOST})


def test_absolute_urls_use_the_configured_origin_not_the_host_header(app, client, blog):
    app.config["PUBLIC_URL"] = "https://live.example.org"
    page = blog_page(client, blog).get_data(as_text=True)
    assert FORGED_HOST not in page
    assert f'<link rel="canonical" href="https://live.example.org/e/{blog.event.slug}/' in page
    feed = client.get(f"/e/{blog.event.slug}/{blog.slug}/feed.atom", headers={"Host": FORGED_HOST})
    assert feed.status_code == 200
    assert FORGED_HOST not in feed.get_data(as_text=True)


def test_the_demo_without_a_public_url_uses_the_request_host(app, client, blog):
    assert app.config["PUBLIC_URL"] is None
    assert f"http://{FORGED_HOST}/e/" in blog_page(client, blog).get_data(as_text=True)


def test_production_refuses_to_start_without_a_public_url(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_PRODUCTION, "1")
    monkeypatch.delenv(ENV_PUBLIC_URL, raising=False)
    with pytest.raises(ValueError, match=ENV_PUBLIC_URL):
        load_config(tmp_path)
    monkeypatch.setenv(ENV_PUBLIC_URL, "live.example.org")
    with pytest.raises(ValueError, match="is not an origin"):
        load_config(tmp_path)


def test_metrics_answer_loopback_and_the_token_only(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret"
    away = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=away).status_code == 403
    bearer = {"Authorization": "Bearer scrape-secret"}
    assert client.get("/metrics", environ_base=away, headers=bearer).status_code == 200
    wrong = {"Authorization": "Bearer guess"}
    assert client.get("/metrics", environ_base=away, headers=wrong).status_code == 403
    app.config["METRICS_ALLOW"] = ["203.0.113.0/24"]
    assert client.get("/metrics", environ_base=away).status_code == 200
    assert client.get("/metrics").status_code == 403


def test_every_json_answer_says_nosniff(client, blog, make_entry):
    make_entry(blog)
    for url in (
        f"/api/v1/blogs/{blog.id}/changes?since=0",
        f"/api/v1/blogs/{blog.id}/changes?since=x",
        f"/api/v1/events/{blog.event.id}/changes?since=0",
        "/api/v1/blogs/999999/changes?since=0",
        "/socket.io/?EIO=4&transport=polling",
    ):
        assert client.get(url).headers.get("X-Content-Type-Options") == "nosniff", url


def test_hsts_in_production_only(client, monkeypatch, app, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    monkeypatch.setenv(ENV_PRODUCTION, "1")
    monkeypatch.setenv(ENV_PUBLIC_URL, "https://live.example.org")
    production = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "ASYNC_MODE": "threading",
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SCHEDULER_INTERVAL": None,
            "READERS_COUNT": False,
        }
    )
    production.test_client_class = IsolatedClient
    try:
        header = production.test_client().get("/healthz").headers["Strict-Transport-Security"]
        assert "max-age=31536000" in header
    finally:
        production.extensions["showfloor_engine"].dispose()
