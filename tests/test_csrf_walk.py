"""CSRF on every cookie-authenticated mutating route, found by walking the URL map.

Logged in as an admin with a real session, each POST/PUT/PATCH/DELETE route is sent once
as a form and once as JSON, without a token: both must be refused with 400 and a clear
message (JSON for the JSON request), and no row of any table may change. Bearer-token
routes under /api/ are the only ones left out: a cross-site page cannot send their header.
"""

from __future__ import annotations

import pytest
from conftest import IsolatedClient
from walk_support import (
    MUTATING,
    changed_tables,
    log_in_as,
    seed_world,
    snapshot,
    url_for_rule,
)

pytestmark = pytest.mark.walks

CSRF_MESSAGE = "security token is missing or expired"


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


def cookie_routes(app) -> list[tuple[str, str, object]]:
    """(method, endpoint, rule) of every mutating route a browser session can reach."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue  # bearer tokens in a header, never a cookie
        routes += [(m, rule.endpoint, rule) for m in sorted(rule.methods & MUTATING)]
    return sorted(routes, key=lambda r: (r[2].rule, r[0]))


def send_without_token(client, method: str, url: str, as_json: bool):
    if as_json:
        headers = {"Accept": "application/json"}
        return client.open(url, method=method, json={"source": "forged"}, headers=headers)
    form = {"source": "forged", "email": "x@example.test", "password": "forged"}
    return client.open(url, method=method, data=form, headers={"Accept": "text/html"})


def assert_refused(response, as_json: bool, where: str) -> None:
    assert response.status_code == 400, f"{where}: {response.status_code}, not refused"
    if as_json:
        body = response.get_json(silent=True)
        assert body and body.get("csrf") is True and CSRF_MESSAGE in body["error"], where
    else:
        assert CSRF_MESSAGE in response.get_data(as_text=True), where


def walk_without_tokens(app) -> int:
    """Send every cookie route without a token; return how many (route, method) were walked."""
    world = seed_world()
    admin = log_in_as(app, world, "admin")
    routes = cookie_routes(app)
    before = snapshot()
    for method, endpoint, rule in routes:
        url = url_for_rule(rule, world.url_values)
        for as_json in (False, True):
            where = f"{method} {url} ({endpoint}, {'JSON' if as_json else 'form'})"
            assert_refused(send_without_token(admin, method, url, as_json), as_json, where)
            assert changed_tables(before, snapshot()) == [], f"{where} changed rows"
    # Logout was refused too: the session is intact.
    assert admin.get("/desk/").status_code == 200
    return len(routes)


def test_every_cookie_route_refuses_a_request_without_a_csrf_token(app):
    walked = walk_without_tokens(app)
    # The desk, curation, people, review and auth forms: a sudden drop means the walk lost them.
    assert walked >= 40, f"only {walked} routes walked"


def test_the_walk_reaches_the_routes_that_matter(app):
    endpoints = {endpoint for _, endpoint, _ in cookie_routes(app)}
    for expected in (
        "desk.login",
        "desk.logout",
        "desk.publish",
        "editor.my_password",
        "editor.set_password",
        "editor.edit_event",
        "uploads.desk_upload",
        "desk_json.create_entry",
        "editor.approve",
    ):
        assert expected in endpoints, expected
    assert not any(e.startswith("api.") for e in endpoints)
