"""GET never changes state: every GET route, filled from a seeded world, as every role.

Whatever a GET answers (a page, a redirect to login, 403, 404), no row of any table may
change: links are followed by crawlers, prefetchers and forged <img> tags without asking.
"""

from __future__ import annotations

import pytest
from conftest import IsolatedClient
from walk_support import ROLES, changed_tables, log_in_as, seed_world, snapshot, url_for_rule

pytestmark = pytest.mark.walks


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


def get_routes(app) -> list:
    """Every rule that answers GET, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_no_get_route_changes_a_row(app, role):
    world = seed_world()
    client = log_in_as(app, world, role)
    before = snapshot()
    answered = {}
    for rule in get_routes(app):
        url = url_for_rule(rule, world.url_values)
        response = client.get(url)
        response.close()
        assert response.status_code < 500, f"GET {url} ({rule.endpoint}) as {role}: 5xx"
        assert changed_tables(before, snapshot()) == [], f"GET {url} as {role} changed rows"
        answered[rule.endpoint] = response.status_code
    if role == "admin":
        # The seeded world fills every URL with a real object: an admin sees each page
        # (API reads that need a token answer a cookie 401).
        token_only = {"api.list_webhooks", "api.webhook_deliveries", "api.features"} | {
            "api.reporters",
            "api.review_queue",
        }
        missing = {
            e: s
            for e, s in answered.items()
            if s not in (200, 302, 304) and not (e in token_only and s == 401)
        }
        assert not missing, missing
