"""The read matrix: every GET route that names an object × every role × own/other event.

Reads leak too: a reporter of one show must not open another show's desk, review
queue or audit log, and nobody may read a draft through a reader page or the API.
Each id-bearing GET endpoint has a policy below; a new one without a policy fails
the coverage test, so adding a route means deciding who may read it.
"""

from __future__ import annotations

import uuid

import pytest
from conftest import IsolatedClient
from walk_support import ROLES, log_in_as, seed_world, url_for_rule

from blog import actions

pytestmark = pytest.mark.walks

# URL arguments that name an object of an event or a person.
OBJECT_ARGS = frozenset(
    {"event_id", "event_slug", "blog_id", "blog_slug", "entry_id", "speaker_id"}
    | {"session_id", "user_id", "token_id", "webhook_id", "delivery_id"}
)
EDITORS = {"admin", "editor"}
MEMBERS = {"reporter", "contributor"}


def everyone(role: str, scope: str) -> bool:
    """Published coverage: readers need no account."""
    return True


def editors(role: str, scope: str) -> bool:
    """Editors and admins, on every event."""
    return role in EDITORS


def members(role: str, scope: str) -> bool:
    """Editors anywhere; reporters and contributors on the events they are assigned to."""
    return role in EDITORS or (role in MEMBERS and scope == "own")


def token_only(role: str, scope: str) -> bool:
    """API reads that need a token (a webhook's URL, a review queue): no cookie opens them."""
    return False


POLICY = {
    "api.list_webhooks": token_only,
    "api.webhook_deliveries": token_only,
    "api.features": token_only,
    "api.reporters": token_only,
    "api.review_queue": token_only,
    "api.get_event": everyone,
    "api.list_blogs": everyone,
    "api.agenda": everyone,
    "api.list_organisations": everyone,
    "editor.webhooks": editors,
    "editor.webhook": editors,
    "api.get_blog": everyone,
    "api.get_changes": everyone,
    "api.get_entry": everyone,
    "api.get_event_changes": everyone,
    "api.list_entries": everyone,
    "api.speakers": everyone,
    "readers.embed": everyone,
    "readers.blog_feed": everyone,
    "readers.event_feed": everyone,
    "readers.blog_page": everyone,
    "readers.entry_page": everyone,
    "readers.hub": everyone,
    "readers.results": everyone,
    "readers.roster": everyone,
    "readers.speaker": everyone,
    "desk_json.speakers": members,
    "desk.compose": members,
    # The seeded entry is an editor's: reporters open only their own for editing.
    "desk.edit": editors,
    # The retract confirmation shows the entry's text: whoever may change it.
    "desk.retract": editors,
    "editor.blog": editors,
    "editor.edit_event": editors,
    "editor.event": editors,
    "editor.new_blog": editors,
    "editor.session_form": editors,
    "editor.person": editors,
    "editor.person_tokens": editors,
    "editor.entry_log": editors,
    "editor.event_log": editors,
    "editor.export": editors,
    "editor.person_log": editors,
    "editor.queue": editors,
    "editor.queue_items": editors,
}
ALLOWED = {200, 304}
# A refusal: off to the login page, not logged in, not allowed, or "no such object".
REFUSED = {302, 401, 403, 404}
# A draft's text no page may show: long and odd enough that no timestamp or id contains it
# (a bare "999" turned up in a time's microseconds).
SECRET_PRICE = "EUR 999 dot 27 (embargoed)"


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def worlds():
    """The people's own event, and another event none of the reporters work on."""
    own = seed_world()
    return own, seed_world("far", users=own.users)


def object_routes(app) -> list:
    """Every GET rule whose URL names an object, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    return sorted((r for r in rules if OBJECT_ARGS & r.arguments), key=lambda r: r.rule)


def test_every_object_route_has_a_policy(app):
    missing = sorted({r.endpoint for r in object_routes(app)} - POLICY.keys())
    assert not missing, f"decide who may read these in POLICY: {missing}"


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_read_cells(app, worlds, role, capsys):
    client = log_in_as(app, worlds[0], role)
    wrong, checked = [], 0
    for rule in object_routes(app):
        for scope, world in zip(("own", "other"), worlds, strict=True):
            url = url_for_rule(rule, world.url_values)
            status = client.get(url).status_code
            expected = ALLOWED if POLICY[rule.endpoint](role, scope) else REFUSED
            checked += 1
            if status not in expected:
                wrong.append(f"GET {url} ({rule.endpoint}) as {role}/{scope}: {status}")
    assert not wrong, "\n".join(wrong)
    with capsys.disabled():
        print(f"\nread matrix, {role}: {checked} cells")


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_drafts_are_read_only_on_the_desk_of_their_author_and_editors(app, worlds, role):
    own = worlds[0]
    author = own.users["reporter"]
    values = dict(own.url_values)
    draft, _ = actions.post_entry(
        author,
        values["blog_id"],
        actions.EntryInput(source=f"Embargoed price: {SECRET_PRICE}"),
        uuid.uuid4().hex,
        actions.Placement(mode="draft"),
    )
    values["entry_id"] = draft.id
    client = log_in_as(app, own, role)
    may_edit = role in EDITORS or role == "reporter"
    desk = client.get(f"/desk/entries/{draft.id}/edit")
    assert desk.status_code in (ALLOWED if may_edit else REFUSED)
    reader_urls = [
        f"/e/{values['event_slug']}/{values['blog_slug']}/entries/{draft.id}",
        f"/api/v1/entries/{draft.id}",
    ]
    for url in reader_urls:
        assert client.get(url).status_code == 404, url
    for url in (
        f"/e/{values['event_slug']}/{values['blog_slug']}/",
        f"/e/{values['event_slug']}/{values['blog_slug']}/feed.atom",
        f"/api/v1/blogs/{values['blog_id']}/entries",
        f"/api/v1/blogs/{values['blog_id']}/changes?since=0",
    ):
        assert SECRET_PRICE not in client.get(url).get_data(as_text=True), url
