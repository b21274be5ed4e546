"""The permission matrix: every mutating route and socket event × every role × own/other event.

Each row names a route (or socket event), how to build a request against fresh
objects of the cell's event, and the (role, scope) cells that may do it. Every
other cell must be refused (login redirect, 401, 403 or 404) and change nothing
in the database. A mutating route missing from ROWS fails the coverage test:
adding a route means adding one row here.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from conftest import (
    BACKEND,
    FAST_PASSWORD_HASH,
    PASSWORD,
    _truncate_all,
    csrf_token,
    dispose_app,
    login,
)
from sqlalchemy import select
from webhook_support import seed_webhook

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions, create_app
from blog.models import (
    BlogStatus,
    EmbargoBatch,
    Entry,
    Event,
    HubFeature,
    Role,
    User,
    WebhookEndpoint,
)
from blog.platform import db
from blog.platform.config import DEFAULT_LIMITS
from blog.platform.extensions import socketio
from blog.webhooks import endpoints

pytestmark = pytest.mark.walks

ROLES = ("admin", "editor", "reporter", "contributor", "anonymous", "deactivated")
SCOPES = ("own", "other")
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def cells(*pairs) -> frozenset:
    """(role, scope) pairs; a scope of "*" means both events."""
    out = set()
    for role, scope in pairs:
        out |= {(role, s) for s in (SCOPES if scope == "*" else (scope,))}
    return frozenset(out)


EDITORS = cells(("admin", "*"), ("editor", "*"))
ADMINS = cells(("admin", "*"))
REPORTERS = EDITORS | cells(("reporter", "own"))
POSTERS = REPORTERS | cells(("contributor", "own"))
LOGGED_IN = EDITORS | cells(("reporter", "*"), ("contributor", "*"))
EVERYONE = LOGGED_IN | cells(("anonymous", "*"), ("deactivated", "*"))
NOT_DEACTIVATED = EVERYONE - cells(("deactivated", "*"))
OWN_CONTRIBUTOR = cells(("contributor", "own"))


@dataclass
class Req:
    """One request of a cell: form (browser + CSRF), json (desk script + CSRF header), api."""

    path: str
    data: dict = field(default_factory=dict)
    kind: str = "form"
    method: str = "POST"
    fresh_client: bool = False
    # A prepared (client, CSRF token) acting instead of the role's shared client,
    # for requests that would log the shared account out everywhere.
    session: tuple | None = None
    # Extra headers of an API request (an Idempotency-Key).
    headers: dict = field(default_factory=dict)


class Fresh(dict):
    """Ids by name; reading a name loads the row anew, so no object outlives its session.

    Socket handlers end the thread's session and fingerprint() rolls back, either of
    which would leave a kept object detached or expired.
    """

    def __init__(self, model, ids: dict):
        super().__init__(ids)
        self.model = model

    def __getitem__(self, name):
        return db.session.get(self.model, super().__getitem__(name))

    def get(self, name, default=None):
        return self[name] if name in self else default  # noqa: SIM401 (self.get is this)


@dataclass
class World:
    """Two events with their people, logged-in clients, CSRF tokens and API tokens."""

    app: object
    users: dict
    events: dict
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    bearer: dict = field(default_factory=dict)


@dataclass
class Cell:
    """One role acting on objects of one event."""

    world: World
    role: str
    scope: str

    @property
    def actor(self) -> User | None:
        return self.world.users.get(self.role)

    @property
    def event(self):
        return self.world.events[self.scope]

    def member(self, role: str) -> User:
        """The reporter or contributor assigned to this cell's event."""
        return self.world.users[role if self.scope == "own" else f"{role}2"]

    def blog(self, status=BlogStatus.LIVE):
        blog = actions.create_blog(self.event, f"b-{uuid.uuid4().hex[:10]}", "Matrix blog")
        if status != BlogStatus.SCHEDULED:
            actions.set_blog_status(self.world.users["editor"], blog.id, BlogStatus.LIVE)
        return blog

    def author(self) -> User:
        """The actor if they may post in this event, else the event's own reporter."""
        actor = self.actor
        if self.role in ("admin", "editor") or (
            self.role in ("reporter", "contributor") and self.scope == "own"
        ):
            return actor
        return self.member("reporter")

    def entry(self, author: User | None = None, mode: str = "publish") -> Entry:
        author = author or self.author()
        placement = actions.Placement(mode=mode)
        entry, _ = actions.post_entry(
            author, self.blog().id, actions.EntryInput(source="matrix"), uuid.uuid4().hex, placement
        )
        return entry

    def published(self) -> Entry:
        return self.entry(self.world.users["editor"])

    def pending(self) -> Entry:
        return self.entry(self.member("contributor"))

    def target_user(self, role=Role.REPORTER) -> User:
        email = f"t-{uuid.uuid4().hex[:10]}@example.test"
        user = actions.create_user(email, "Target", PASSWORD, role)
        actions.assign_user(user, self.event)
        return user

    def key(self) -> str:
        return uuid.uuid4().hex


def _returned(c: Cell) -> Entry:
    entry = c.pending()
    return actions.return_entry(c.world.users["editor"], entry.id, entry.version, "fix")


def _batch(c: Cell, owner: User | None = None) -> EmbargoBatch:
    blog = c.blog()
    return actions.create_batch(owner or c.world.users["editor"], blog.id, "Launch")


def _own_batch(c: Cell) -> EmbargoBatch:
    """A batch prepared by the actor if they may prepare one here, else by the event's reporter."""
    owner = c.author() if c.role != "contributor" else c.member("reporter")
    return _batch(c, owner)


def _photo() -> tuple:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, "JPEG")
    return (io.BytesIO(buf.getvalue()), "photo.jpg")


def _media_id(c: Cell) -> int:
    uploader = c.world.users["editor"]
    photo, _ = _photo()
    from werkzeug.datastructures import FileStorage

    file = FileStorage(photo, filename="photo.jpg", content_type="image/jpeg")
    return actions.upload_media(uploader, c.event.id, file, "alt text", "", "").id


def _entry_text(c: Cell) -> dict:
    return {"source": "matrix edit", "kind": "text"}


# What the confirm page adds to a form whose action cannot be taken back.
CONFIRMED = {"confirm": "yes"}

# endpoint, method → (make request for a cell, allowed cells)
Row = tuple[Callable[[Cell], Req], frozenset]


def _edit(kind: str) -> Callable[[Cell], Req]:
    def make(c: Cell) -> Req:
        e = c.entry()
        if kind == "form":
            return Req(f"/desk/entries/{e.id}/edit", {**_entry_text(c), "base_version": e.version})
        if kind == "json":
            return Req(
                f"/desk/entries/{e.id}", {**_entry_text(c), "base_version": e.version}, "json"
            )
        return Req(
            f"/api/v1/entries/{e.id}",
            {"source": "api edit", "base_version": e.version},
            "api",
            "PATCH",
        )

    return make


ROWS: dict[tuple[str, str], Row] = {
    ("desk.login", "POST"): (
        lambda c: Req(
            "/login",
            {"email": (c.actor or c.member("reporter")).email, "password": PASSWORD},
            fresh_client=True,
        ),
        NOT_DEACTIVATED,
    ),
    # Logout ends the account's sessions everywhere, so a fresh account of the role logs
    # out (anonymous: a fresh browser, whose cleared session takes its CSRF token along).
    ("desk.logout", "POST"): (
        lambda c: Req("/logout", fresh_client=c.role == "anonymous", session=_clone(c)),
        EVERYONE,
    ),
    ("desk.publish", "POST"): (
        lambda c: Req(
            f"/desk/blogs/{c.blog().id}",
            {"source": "hi", "kind": "text", "idempotency_key": c.key()},
        ),
        POSTERS,
    ),
    ("desk.edit", "POST"): (_edit("form"), POSTERS),
    ("desk.retract", "POST"): (
        lambda c: Req(f"/desk/entries/{c.entry().id}/retract", CONFIRMED),
        POSTERS,
    ),
    ("desk.curate", "POST"): (lambda c: Req(f"/desk/entries/{c.published().id}/pin"), EDITORS),
    ("desk.set_status", "POST"): (
        lambda c: Req(f"/desk/blogs/{c.blog().id}/status", {"status": "ended", **CONFIRMED}),
        EDITORS,
    ),
    ("desk.new_batch", "POST"): (
        lambda c: Req(f"/desk/blogs/{c.blog().id}/batches", {"name": "Launch"}),
        REPORTERS,
    ),
    # A colleague's batch: releasing it early is its owner's call or an editor's.
    ("desk.release", "POST"): (
        lambda c: Req(f"/desk/batches/{_batch(c, c.target_user()).id}/release", CONFIRMED),
        EDITORS,
    ),
    # Backdating a published entry (a phone that posted late from a dead zone): editors.
    ("desk.display_time", "POST"): (
        lambda c: Req(
            f"/desk/entries/{c.published().id}/display-time", {"display_at": "2020-03-02T10:15"}
        ),
        EDITORS,
    ),
    ("desk.publish_now", "POST"): (
        lambda c: Req(f"/desk/entries/{c.entry(mode='draft').id}/publish"),
        POSTERS,
    ),
    ("api.create_entry", "POST"): (
        lambda c: Req(
            f"/api/v1/blogs/{c.blog().id}/entries",
            {"source": "api", "idempotency_key": c.key()},
            "api",
        ),
        POSTERS,
    ),
    ("api.update_entry", "PATCH"): (_edit("api"), POSTERS),
    ("api.retract", "POST"): (
        lambda c: Req(f"/api/v1/entries/{c.entry().id}/retract", {}, "api"),
        POSTERS,
    ),
    ("api.pin", "POST"): (
        lambda c: Req(f"/api/v1/entries/{c.published().id}/pin", {}, "api"),
        EDITORS,
    ),
    ("api.unpin", "POST"): (
        lambda c: Req(f"/api/v1/entries/{c.published().id}/unpin", {}, "api"),
        EDITORS,
    ),
    ("api.mark_key", "POST"): (
        lambda c: Req(f"/api/v1/entries/{c.published().id}/key", {"is_key": True}, "api"),
        EDITORS,
    ),
    ("api.set_status", "POST"): (
        lambda c: Req(f"/api/v1/blogs/{c.blog().id}/status", {"status": "ended"}, "api"),
        EDITORS,
    ),
    ("desk_json.create_entry", "POST"): (
        lambda c: Req(
            f"/desk/blogs/{c.blog().id}/entries",
            {"source": "json", "idempotency_key": c.key()},
            "json",
        ),
        POSTERS,
    ),
    ("desk_json.update_entry", "POST"): (_edit("json"), POSTERS),
    ("desk_json.preview", "POST"): (
        lambda c: Req(f"/desk/blogs/{c.blog().id}/preview", {"source": "*x*"}, "json"),
        POSTERS,
    ),
    ("desk_json.add_speaker", "POST"): (
        lambda c: Req(f"/desk/events/{c.event.id}/speakers", {"name": "New Voice"}, "json"),
        POSTERS,
    ),
    ("uploads.desk_upload", "POST"): (
        lambda c: Req(
            "/desk/media", {"blog_id": str(c.blog().id), "alt": "a", "file": _photo()}, "multipart"
        ),
        POSTERS,
    ),
    ("uploads.api_upload", "POST"): (
        lambda c: Req(
            "/api/v1/media",
            {"blog_id": str(c.blog().id), "alt": "a", "file": _photo()},
            "api-multipart",
        ),
        POSTERS,
    ),
    ("uploads.desk_attach", "POST"): (
        lambda c: Req(f"/desk/entries/{c.entry().id}/media", {"media_id": _media_id(c)}, "json"),
        POSTERS,
    ),
    ("uploads.api_attach", "POST"): (
        lambda c: Req(f"/api/v1/entries/{c.entry().id}/media", {"media_id": _media_id(c)}, "api"),
        POSTERS,
    ),
    # People: targets are fresh accounts assigned to the cell's event.
    ("editor.invite", "POST"): (
        lambda c: Req(
            "/people/invite",
            {"email": f"{c.key()}@example.test", "role": "reporter", "event_id": c.event.id},
        ),
        EDITORS,
    ),
    ("editor.assign", "POST"): (
        lambda c: Req(
            f"/people/{c.target_user().id}/assign",
            {"event_id": c.world.events["other" if c.scope == "own" else "own"].id},
        ),
        EDITORS,
    ),
    ("editor.unassign", "POST"): (
        lambda c: Req(f"/people/{c.target_user().id}/unassign", {"event_id": c.event.id}),
        EDITORS,
    ),
    ("editor.change_role", "POST"): (
        lambda c: Req(f"/people/{c.target_user().id}/role", {"role": "contributor"}),
        ADMINS,
    ),
    ("editor.deactivate", "POST"): (
        lambda c: Req(f"/people/{c.target_user().id}/deactivate"),
        EDITORS,
    ),
    ("editor.reactivate", "POST"): (
        lambda c: Req(f"/people/{_deactivated_target(c).id}/reactivate"),
        EDITORS,
    ),
    ("editor.password_link", "POST"): (
        lambda c: Req(f"/people/{c.target_user().id}/password-link"),
        EDITORS,
    ),
    ("editor.set_password", "POST"): (
        # The link itself is the credential: whoever holds it may use it once.
        lambda c: Req(
            _set_password_path(c), {"password": "new passphrase", "confirm": "new passphrase"}
        ),
        EVERYONE,
    ),
    ("editor.my_password", "POST"): (
        lambda c: Req(
            "/people/me/password",
            {"current": PASSWORD, "new": "another passphrase", "confirm": "another passphrase"},
            session=_clone(c),
        ),
        LOGGED_IN,
    ),
    # API tokens: anyone logged in makes their own; editors revoke those of staff they manage.
    ("editor.create_token", "POST"): (lambda c: Req("/people/me/tokens", {"name": "m"}), LOGGED_IN),
    ("editor.revoke_token", "POST"): (
        lambda c: Req(f"/people/tokens/{_staff_token(c)}/revoke"),
        EDITORS,
    ),
    ("editor.approve", "POST"): (lambda c: _decision(c, "approve", {}), EDITORS),
    ("editor.return_", "POST"): (
        lambda c: _decision(c, "return", {"note": "Add a source"}),
        EDITORS,
    ),
    ("editor.resubmit", "POST"): (
        lambda c: Req(f"/review/entries/{_returned(c).id}/resubmit"),
        OWN_CONTRIBUTOR,
    ),
}


# More cells of routes above, for inputs that change who may send them: name → Row.
EXTRA_ROWS: dict[str, Row] = {
    "desk.release own batch": (
        lambda c: Req(f"/desk/batches/{_own_batch(c).id}/release", CONFIRMED),
        REPORTERS,
    ),
    "desk.publish is_key": (
        lambda c: Req(
            f"/desk/blogs/{c.blog().id}",
            {"source": "hi", "kind": "text", "idempotency_key": c.key(), "is_key": "on"},
        ),
        EDITORS,
    ),
    "api.create_entry is_key": (
        lambda c: Req(
            f"/api/v1/blogs/{c.blog().id}/entries",
            {"source": "api", "idempotency_key": c.key(), "is_key": True},
            "api",
        ),
        EDITORS,
    ),
    "desk_json.create_entry is_key": (
        lambda c: Req(
            f"/desk/blogs/{c.blog().id}/entries",
            {"source": "json", "idempotency_key": c.key(), "is_key": True},
            "json",
        ),
        EDITORS,
    ),
    "api.update_entry is_key": (
        lambda c: _with_key_flag(_edit("api")(c)),
        EDITORS,
    ),
    "desk_json.update_entry is_key": (
        lambda c: _with_key_flag(_edit("json")(c)),
        EDITORS,
    ),
}


def _with_key_flag(req: Req) -> Req:
    req.data = {**req.data, "is_key": True}
    return req


def _staff_token(c: Cell) -> int:
    """The id of a fresh token of a fresh reporter of the cell's event."""
    owner = c.target_user()
    return actions.tokens.token_by_secret(actions.create_api_token(owner, "target")).id


def _clone(c: Cell) -> tuple | None:
    """A logged-in client of a fresh account with the cell's role, and its CSRF token."""
    if c.role == "anonymous":
        return None
    role = Role.REPORTER if c.role == "deactivated" else Role(c.role)
    user = c.target_user(role)
    client = c.world.app.test_client()
    login(client, user)
    token = csrf_token(client, "/desk/")
    if c.role == "deactivated":  # an open page whose account was deactivated since
        actions.deactivate_user(c.world.users["admin"], user.id)
    return client, token


def _decision(c: Cell, what: str, data: dict) -> Req:
    entry = c.pending()
    return Req(f"/review/entries/{entry.id}/{what}", {**data, "base_version": entry.version})


def _deactivated_target(c: Cell) -> User:
    user = c.target_user()
    return actions.deactivate_user(c.world.users["admin"], user.id)


def _set_password_path(c: Cell) -> str:
    from blog.actions.people import password_link_token

    return f"/people/set-password/{password_link_token(c.target_user())}"


# ---- curation (events, agenda, hub, blogs) -------------------------------------------------

SESSION_TIMES = {"starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00"}


def _curate(c: Cell, tail: str, data: dict | None = None) -> Req:
    return Req(f"/curate/events/{c.event.id}{tail}", data or {})


def _clear_features(c: Cell) -> None:
    """The hub holds a dozen features at most; cells keep adding, so start each from none."""
    for feature in db.session.scalars(select(HubFeature).where(HubFeature.event_id == c.event.id)):
        actions.unfeature(c.world.users["editor"], c.event.id, feature.id)


def _feature(c: Cell):
    _clear_features(c)
    return actions.feature_on_hub(c.world.users["editor"], c.event.id, blog_id=c.blog().id)


def _add_feature(c: Cell) -> Req:
    _clear_features(c)
    return _curate(c, "/features", {"blog_id": str(c.blog().id)})


def _session(c: Cell):
    data = actions.SessionInput(title="Talk", **SESSION_TIMES)
    return actions.save_session(c.world.users["editor"], c.event.id, None, data)


def _event_fields(c: Cell) -> dict:
    e = c.event
    return {
        "name": e.name,
        "slug": e.slug,
        "starts_on": e.starts_on.isoformat(),
        "ends_on": e.ends_on.isoformat(),
        "timezone": e.timezone,
    }


def _blog_fields(c: Cell) -> dict:
    return {"title": "Renamed", "slug": f"s-{c.key()[:10]}", "default_order": "oldest"}


SESSION_NEW = "/curate/events/<int:event_id>/sessions/new"
SESSION_EDIT = "/curate/events/<int:event_id>/sessions/<int:session_id>/edit"

ROWS.update(
    {
        ("editor.new_event", "POST"): (
            lambda c: Req(
                "/curate/events/new",
                {
                    "name": "New show",
                    "slug": f"n-{c.key()[:12]}",
                    "starts_on": "2027-05-01",
                    "ends_on": "2027-05-02",
                    "timezone": "UTC",
                },
            ),
            EDITORS,
        ),
        ("editor.edit_event", "POST"): (lambda c: _curate(c, "/edit", _event_fields(c)), EDITORS),
        ("editor.summary", "POST"): (lambda c: _curate(c, "/summary", {"summary": "Key"}), EDITORS),
        ("editor.add_feature", "POST"): (
            _add_feature,
            EDITORS,
        ),
        ("editor.move_feature", "POST"): (
            lambda c: _curate(c, f"/features/{_feature(c).id}/up"),
            EDITORS,
        ),
        ("editor.remove_feature", "POST"): (
            lambda c: _curate(c, f"/features/{_feature(c).id}/remove"),
            EDITORS,
        ),
        ("editor.lead", "POST"): (
            lambda c: _curate(c, "/lead", {"feature_id": str(_feature(c).id)}),
            EDITORS,
        ),
        ("editor.session_form", "POST", SESSION_NEW): (
            lambda c: _curate(c, "/sessions/new", {"title": "Panel", **SESSION_TIMES}),
            EDITORS,
        ),
        ("editor.session_form", "POST", SESSION_EDIT): (
            lambda c: _curate(
                c, f"/sessions/{_session(c).id}/edit", {"title": "Panel", **SESSION_TIMES}
            ),
            EDITORS,
        ),
        ("editor.remove_session", "POST"): (
            lambda c: _curate(c, f"/sessions/{_session(c).id}/remove"),
            EDITORS,
        ),
        ("editor.new_blog", "POST"): (lambda c: _curate(c, "/blogs/new", _blog_fields(c)), EDITORS),
        ("editor.blog", "POST"): (
            lambda c: _curate(c, f"/blogs/{c.blog().id}/", _blog_fields(c)),
            EDITORS,
        ),
        ("editor.blog_status", "POST"): (
            lambda c: _curate(c, f"/blogs/{c.blog().id}/status", {"status": "ended", **CONFIRMED}),
            EDITORS,
        ),
        ("editor.entry_flag", "POST"): (lambda c: _entry_flag(c), EDITORS),
    }
)


def _entry_flag(c: Cell) -> Req:
    entry = c.published()
    return _curate(c, f"/blogs/{entry.blog_id}/entries/{entry.id}/key")


# ---- webhooks: editors manage an event's endpoints, over the API and the editor pages -------

HOOK_FIELDS = {"url": "https://hooks.example.org/matrix", "change_types": ["entry_published"]}


def _no_webhooks(c: Cell) -> Cell:
    """An event holds ten endpoints at most; cells keep adding, so start each from none."""
    for endpoint in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.event_id == c.event.id)
    ).all():
        endpoints.delete_endpoint(c.world.users["editor"], endpoint.id)
    return c


def _hooked(c: Cell) -> dict:
    """A fresh endpoint of the cell's event with one delivery: its webhook_id and delivery_id."""
    _no_webhooks(c)
    return seed_webhook(c.world.users["editor"], c.event, c.published)


def _hook_page(c: Cell, tail: str = "", data: dict | None = None) -> Req:
    return Req(f"/curate/events/{c.event.id}/webhooks/{_hooked(c)['webhook_id']}{tail}", data or {})


# ---- the editor's API: the same rights as the screens above ------------------------------


def _api(path: str, data: dict | None = None, method: str = "POST", create: bool = False) -> Req:
    headers = {"Idempotency-Key": uuid.uuid4().hex} if create else {}
    return Req(f"/api/v1{path}", data or {}, "api", method, headers=headers)


def _speaker(c: Cell):
    return actions.add_speaker(c.event, f"Voice {c.key()[:6]}", "", f"Org {c.key()[:8]}")


def _unassigned(c: Cell) -> User:
    email = f"u-{uuid.uuid4().hex[:10]}@example.test"
    return actions.create_user(email, "Unassigned", PASSWORD, Role.REPORTER)


ROWS.update(
    {
        ("api.create_webhook", "POST"): (
            lambda c: _api(
                f"/events/{_no_webhooks(c).event.slug}/webhooks", HOOK_FIELDS, create=True
            ),
            EDITORS,
        ),
        ("api.update_webhook", "PATCH"): (
            lambda c: Req(
                f"/api/v1/webhooks/{_hooked(c)['webhook_id']}", {"paused": True}, "api", "PATCH"
            ),
            EDITORS,
        ),
        ("api.delete_webhook", "DELETE"): (
            lambda c: Req(f"/api/v1/webhooks/{_hooked(c)['webhook_id']}", {}, "api", "DELETE"),
            EDITORS,
        ),
        ("api.rotate_webhook_secret", "POST"): (
            lambda c: Req(f"/api/v1/webhooks/{_hooked(c)['webhook_id']}/rotate", {}, "api"),
            EDITORS,
        ),
        ("api.redeliver", "POST"): (
            lambda c: Req(f"/api/v1/deliveries/{_hooked(c)['delivery_id']}/redeliver", {}, "api"),
            EDITORS,
        ),
        ("editor.new_webhook", "POST"): (
            lambda c: Req(f"/curate/events/{_no_webhooks(c).event.id}/webhooks", HOOK_FIELDS),
            EDITORS,
        ),
        ("editor.webhook", "POST"): (
            lambda c: _hook_page(c, "", {**HOOK_FIELDS, "description": "Renamed"}),
            EDITORS,
        ),
        ("editor.pause_webhook", "POST"): (
            lambda c: _hook_page(c, "/pause", {"paused": "1"}),
            EDITORS,
        ),
        ("editor.rotate_webhook", "POST"): (lambda c: _hook_page(c, "/rotate"), EDITORS),
        ("editor.remove_webhook", "POST"): (
            lambda c: _hook_page(c, "/remove", {"confirm": "yes"}),
            EDITORS,
        ),
        ("editor.redeliver_webhook", "POST"): (lambda c: _redeliver_page(c), EDITORS),
        ("api.create_event", "POST"): (
            lambda c: _api(
                "/events",
                {
                    "name": "API show",
                    "slug": f"a-{c.key()[:12]}",
                    "starts_on": "2027-05-01",
                    "ends_on": "2027-05-02",
                },
                create=True,
            ),
            EDITORS,
        ),
        ("api.update_event", "PATCH"): (
            lambda c: _api(f"/events/{c.event.slug}", {"city": c.key()[:8]}, "PATCH"),
            EDITORS,
        ),
        ("api.create_blog", "POST"): (
            lambda c: _api(
                f"/events/{c.event.slug}/blogs",
                {"title": "API blog", "slug": f"b-{c.key()[:12]}"},
                create=True,
            ),
            EDITORS,
        ),
        ("api.update_blog", "PATCH"): (
            lambda c: _api(f"/blogs/{c.blog().id}", {"title": "Renamed"}, "PATCH"),
            EDITORS,
        ),
        ("api.add_speaker", "POST"): (
            lambda c: _api(f"/events/{c.event.slug}/speakers", {"name": "New"}, create=True),
            POSTERS,
        ),
        ("api.update_speaker", "PATCH"): (
            lambda c: _api(f"/speakers/{_speaker(c).id}", {"title": "CEO"}, "PATCH"),
            EDITORS,
        ),
        ("api.rename_organisation", "PATCH"): (
            lambda c: _api(
                f"/organisations/{_speaker(c).organization_id}", {"name": c.key()}, "PATCH"
            ),
            EDITORS,
        ),
        ("api.add_session", "POST"): (
            lambda c: _api(
                f"/events/{c.event.slug}/agenda", {"title": "Panel", **SESSION_TIMES}, create=True
            ),
            EDITORS,
        ),
        ("api.update_session", "PATCH"): (
            lambda c: _api(f"/agenda/{_session(c).id}", {"stage": "Hall 2"}, "PATCH"),
            EDITORS,
        ),
        ("api.remove_session", "DELETE"): (
            lambda c: _api(f"/agenda/{_session(c).id}", method="DELETE"),
            EDITORS,
        ),
        ("api.set_features", "PUT"): (
            lambda c: (
                _clear_features(c),
                _api(
                    f"/events/{c.event.slug}/features",
                    {"features": [{"blog_id": c.blog().id}]},
                    "PUT",
                ),
            )[1],
            EDITORS,
        ),
        ("api.assign", "PUT"): (
            lambda c: _api(f"/events/{c.event.slug}/reporters/{_unassigned(c).id}", method="PUT"),
            EDITORS,
        ),
        ("api.unassign", "DELETE"): (
            lambda c: _api(
                f"/events/{c.event.slug}/reporters/{c.target_user().email}", method="DELETE"
            ),
            EDITORS,
        ),
        ("api.approve", "POST"): (
            lambda c: (lambda e: _api(f"/entries/{e.id}/approve", {"base_version": e.version}))(
                c.pending()
            ),
            EDITORS,
        ),
        ("api.return_entry", "POST"): (
            lambda c: (
                lambda e: _api(f"/entries/{e.id}/return", {"base_version": e.version, "note": "x"})
            )(c.pending()),
            EDITORS,
        ),
    }
)


def _redeliver_page(c: Cell) -> Req:
    hook = _hooked(c)
    tail = f"/webhooks/{hook['webhook_id']}/deliveries/{hook['delivery_id']}"
    return Req(f"/curate/events/{c.event.id}{tail}")


# ---- socket events: name → (payload for a cell, set-up on the socket, allowed cells) -------


def _join_desk_first(sio, c: Cell, payload: dict) -> None:
    sio.emit("join_desk", payload, callback=True)


SOCKET_ROWS: dict[str, tuple] = {
    "follow": (lambda c: {"blog_id": c.blog().id, "since": 0}, None, EVERYONE),
    "unfollow": (lambda c: {"blog_id": c.blog().id}, None, EVERYONE),
    "follow_event": (lambda c: {"event_id": c.event.id, "since": 0}, None, EVERYONE),
    "unfollow_event": (lambda c: {"event_id": c.event.id}, None, EVERYONE),
    "review_follow": (lambda c: {"event_id": c.event.id}, None, EDITORS),
    "review_unfollow": (lambda c: {"event_id": c.event.id}, None, EVERYONE),
    "join_desk": (lambda c: {"blog_id": c.blog().id}, None, POSTERS),
    "desk_activity": (
        lambda c: {"blog_id": c.blog().id, "typing": True},
        _join_desk_first,
        POSTERS,
    ),
    "leave_desk": (lambda c: {}, None, EVERYONE),
    # The reconnect window every page asks for on connect: anyone may ask.
    "hello": (lambda c: {}, None, EVERYONE),
}
SOCKET_LIFECYCLE = {"connect", "disconnect"}


# ---- the world and the runner ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(migrated_template, tmp_path_factory):
    """One database and one set of logged-in people for the whole matrix (cells add objects)."""
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        url = migrated_template
    else:
        path = tmp_path_factory.mktemp("matrix") / "matrix.db"
        shutil.copy(migrated_template, path)
        url = f"sqlite:///{path}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            "SECRET_KEY": "matrix-secret",
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
            # Hundreds of cells log the same people in from one address for the
            # whole module: the matrix is about rights; limits have their own tests.
            "LIMITS": {name: (1_000_000, 60) for name in DEFAULT_LIMITS},
            # No release loop: it would outlive the test and poll a dropped database.
            "SCHEDULER_INTERVAL": None,
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("matrix-instance"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield _build_world(app)
        db.session.remove()
    dispose_app(app)


def _build_world(app) -> World:
    from datetime import date

    own = actions.create_event("own-show", "Own", date(2027, 3, 1), date(2027, 3, 4), "UTC")
    other = actions.create_event("other-show", "Other", date(2027, 3, 1), date(2027, 3, 4), "UTC")
    users = {}
    for name, role, event in [
        ("admin", Role.ADMIN, None),
        ("editor", Role.EDITOR, None),
        ("reporter", Role.REPORTER, own),
        ("contributor", Role.CONTRIBUTOR, own),
        ("deactivated", Role.REPORTER, own),
        ("reporter2", Role.REPORTER, other),
        ("contributor2", Role.CONTRIBUTOR, other),
    ]:
        users[name] = actions.create_user(f"{name}@example.test", name, PASSWORD, role)
        if event is not None:
            actions.assign_user(users[name], event)
    ids = {name: user.id for name, user in users.items()}
    w = World(app, Fresh(User, ids), Fresh(Event, {"own": own.id, "other": other.id}))
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, w.users[role])
            w.bearer[role] = {
                "Authorization": f"Bearer {actions.create_api_token(w.users[role], 'm')}"
            }
        w.clients[role] = client
        w.tokens[role] = csrf_token(client, "/login" if role == "anonymous" else "/desk/")
    actions.deactivate_user(w.users["admin"], ids["deactivated"])
    return w


BOOKKEEPING = {("api_token", "last_used_at")}


def fingerprint() -> str:
    """A digest of every row of every table: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    connection = db.session.connection()
    for table in db.Base.metadata.sorted_tables:
        # The values as stored, not turned into Python types (dates parsed one by one):
        # the matrix digests the whole database twice per refused cell.
        rows = connection.exec_driver_sql(_all_rows_sql(table, connection.dialect)).fetchall()
        digest.update(repr((table.name, rows)).encode())
    db.session.rollback()
    return digest.hexdigest()


_ALL_ROWS_SQL: dict[tuple[str, str], str] = {}


def _all_rows_sql(table, dialect) -> str:
    """SELECT of every column but bookkeeping, in primary-key order, as the driver's SQL."""
    key = (table.name, dialect.name)
    if key not in _ALL_ROWS_SQL:
        # A token's last use is noted at most once a minute, on any request it
        # makes, refused or not: bookkeeping of the request, not its effect.
        columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
        query = select(*columns).order_by(*table.primary_key.columns)
        _ALL_ROWS_SQL[key] = str(query.compile(dialect=dialect))
    return _ALL_ROWS_SQL[key]


def send(w: World, role: str, req: Req):
    """Send a cell's request the way that kind of client would."""
    if req.kind.startswith("api"):
        headers = {**w.bearer.get(role, {}), **req.headers}
        client = w.app.test_client()
        if req.kind == "api-multipart":
            return client.post(
                req.path, data=req.data, headers=headers, content_type="multipart/form-data"
            )
        return client.open(req.path, method=req.method, json=req.data, headers=headers)
    client, token = w.clients[role], w.tokens[role]
    if req.fresh_client:
        client = w.app.test_client()
        if role not in ("anonymous", "deactivated"):
            login(client, w.users[role])
        token = csrf_token(client, "/login")
    if req.session is not None:
        client, token = req.session
    if req.kind == "json":
        return client.post(req.path, json=req.data, headers={"X-CSRFToken": token})
    if req.kind == "multipart":
        return client.post(
            req.path,
            data=req.data,
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
    return client.post(req.path, data={**req.data, "csrf_token": token})


def refused(response) -> bool:
    """A refusal: sent to log in, or 401, 403 or 404."""
    if response.status_code in (301, 302, 303):
        # login_required sends the visitor to log in and come back (next=...).
        location = response.headers.get("Location", "")
        return "/login" in location and "next=" in location
    return response.status_code in (401, 403, 404)


def run_cell(w: World, row: Row, role: str, scope: str) -> str | None:
    """Run one cell; return a description of what went wrong, or None."""
    make, allowed = row
    req = make(Cell(w, role, scope))
    expected = (role, scope) in allowed
    # Digesting every row is the slow part: only refusals need the before/after check.
    before = None if expected else fingerprint()
    response = send(w, role, req)
    status = response.status_code
    if expected and (refused(response) or status >= 400):
        return f"{role}/{scope}: expected allowed, got {status} {_why(response)}"
    if not expected and not refused(response):
        return f"{role}/{scope}: expected refused, got {status} {_why(response)}"
    if not expected and fingerprint() != before:
        return f"{role}/{scope}: refused ({status}) but the database changed"
    return None


def _why(response) -> str:
    text = response.get_data(as_text=True)
    return text[:160].replace("\n", " ") if response.status_code >= 400 else ""


def _route_keys(app) -> set:
    """(endpoint, method) of every mutating route; with the rule when an endpoint has several."""
    rules = [r for r in app.url_map.iter_rules() if r.methods & MUTATING]
    per_endpoint: dict[str, int] = {}
    for r in rules:
        per_endpoint[r.endpoint] = per_endpoint.get(r.endpoint, 0) + 1
    keys = set()
    for r in rules:
        for method in sorted(r.methods & MUTATING):
            key = (r.endpoint, method)
            keys.add(key + (r.rule,) if per_endpoint[r.endpoint] > 1 else key)
    return keys


def test_the_fingerprint_sees_a_changed_row(world):
    """The matrix's "changed nothing" rests on it: one changed value must change the digest."""
    event = world.events["own"]
    before = fingerprint()
    name = db.session.get_one(Event, event.id).name
    db.session.get_one(Event, event.id).name = name + " (renamed)"
    db.session.commit()
    try:
        assert fingerprint() != before
    finally:
        db.session.get_one(Event, event.id).name = name
        db.session.commit()
    assert fingerprint() == before


def test_every_mutating_route_and_socket_event_has_a_row(world):
    missing = _route_keys(world.app) - set(ROWS)
    assert not missing, f"add a row of expectations for: {sorted(missing)}"
    handlers = set(socketio.server.handlers["/"]) - SOCKET_LIFECYCLE
    assert not handlers - set(SOCKET_ROWS), f"add socket rows for {handlers - set(SOCKET_ROWS)}"


def test_no_two_mutating_routes_share_a_url(world):
    seen: dict[tuple[str, str], str] = {}
    clashes = []
    for rule in world.app.url_map.iter_rules():
        for method in rule.methods & MUTATING:
            other = seen.setdefault((rule.rule, method), rule.endpoint)
            if other != rule.endpoint:
                clashes.append(f"{method} {rule.rule}: {other} hides {rule.endpoint}")
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("key", sorted(ROWS, key=str), ids=lambda k: "-".join(k[:2]))
def test_route_cells(world, key):
    if key not in _route_keys(world.app):
        pytest.skip(f"{key[0]} is not registered in this build")
    problems = [run_cell(world, ROWS[key], r, s) for r in ROLES for s in SCOPES]
    problems = [p for p in problems if p]
    assert not problems, f"{key}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", sorted(EXTRA_ROWS))
def test_extra_route_cells(world, name):
    problems = [run_cell(world, EXTRA_ROWS[name], r, s) for r in ROLES for s in SCOPES]
    problems = [p for p in problems if p]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def socket_cell(w: World, name: str, role: str, scope: str) -> str | None:
    """Emit one socket event from a socket of the role; compare the ack with the expectation."""
    make, prepare, allowed = SOCKET_ROWS[name]
    cell = Cell(w, role, scope)
    payload = make(cell)
    sio = socketio.test_client(w.app, flask_test_client=w.clients[role])
    try:
        if prepare:
            prepare(sio, cell, payload)
        expected = (role, scope) in allowed
        before = fingerprint()
        ack = sio.emit(name, payload, callback=True)
        ok = isinstance(ack, dict) and ack.get("ok") is True
        if name == "leave_desk":
            ok = True  # no ack by design: leaving is always allowed and harmless
        if ok != expected:
            return f"{name} {role}/{scope}: expected {'ok' if expected else 'refused'}, got {ack}"
        if fingerprint() != before:
            return f"{name} {role}/{scope}: a socket handler wrote to the database"
        return None
    finally:
        if sio.is_connected():
            sio.disconnect()


@pytest.mark.parametrize("name", sorted(SOCKET_ROWS))
def test_socket_cells(world, name):
    if name not in socketio.server.handlers["/"]:
        pytest.skip(f"{name} is not registered in this build")
    problems = [socket_cell(world, name, r, s) for r in ROLES for s in SCOPES]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_cell_count(world, capsys):
    routes = _route_keys(world.app) & set(ROWS)
    events = set(SOCKET_ROWS) & set(socketio.server.handlers["/"])
    count = (len(routes) + len(events)) * len(ROLES) * len(SCOPES)
    with capsys.disabled():
        print(
            f"\npermission matrix: {len(routes)} routes + {len(events)} socket events "
            f"× {len(ROLES)} roles × {len(SCOPES)} scopes = {count} cells"
        )
    assert count >= 12 * 40


API_ROWS = sorted((k for k in ROWS if k[0].startswith(("api.", "uploads.api_"))), key=str)


@pytest.mark.parametrize("key", API_ROWS, ids=lambda k: "-".join(k[:2]))
def test_api_route_refuses_a_token_of_another_event(world, key):
    """An editor's token limited to the other event is refused on this event's objects."""
    make, allowed = ROWS[key]
    assert ("editor", "own") in allowed or key[0] == "api.add_speaker"
    editor = world.users["editor"]
    token = actions.create_api_token(editor, "other", event_id=world.events["other"].id)
    req = make(Cell(world, "editor", "own"))
    before = fingerprint()
    client = world.app.test_client()
    headers = {"Authorization": f"Bearer {token}", **req.headers}
    if req.kind == "api-multipart":
        response = client.post(
            req.path, data=req.data, headers=headers, content_type="multipart/form-data"
        )
    else:
        response = client.open(req.path, method=req.method, json=req.data, headers=headers)
    assert response.status_code == 403, (key, response.get_json())
    assert fingerprint() == before, f"{key}: refused but the database changed"
