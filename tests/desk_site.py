"""One served site for a module of desk browser tests: people, a live blog, its roster and tags.

Module-scoped so a test module starts one server process; tests add what they need on top.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date

from browser_support import Server, log_in
from conftest import BACKEND, PASSWORD, _truncate_all, dispose_app

from blog import actions, create_app
from blog.models import BlogStatus, Role
from blog.platform import db
from blog.webhooks import endpoints

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1400, "height": 900}


@dataclass
class Site:
    """The served site and the ids of what was made in it."""

    server: Server
    app: object
    ids: dict[str, int] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)
    people: dict[str, object] = field(default_factory=dict)
    token: str = ""

    def url(self, path: str) -> str:
        """An absolute URL on the served site."""
        return self.server.url + path

    def page(self, browser, who: str = "reporter", **options):
        """A new logged-in page watching console and page errors (errors list on page.errors)."""
        context = browser.new_context(**{"viewport": PHONE, **options})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda m: page.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        log_in(page, self.server, self.people[who])
        return page

    def post(self, who: str, **fields):
        """An entry posted through the real action by one of the site's people."""
        with self.app.app_context():
            user = db.session.get(type(self.people[who]), self.people[who].id)
            data = actions.EntryInput(**fields)
            entry, _ = actions.post_entry(user, self.ids["blog"], data, uuid.uuid4().hex)
            entry_id = entry.id
            db.session.remove()
        return entry_id


def database_url(migrated_template, tmp_path_factory) -> str:
    """A migrated database of the module's own (the shared one, emptied, on PostgreSQL)."""
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        return migrated_template
    path = tmp_path_factory.mktemp("desk-site") / "site.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def serve_desk_site(migrated_template, tmp_path_factory):
    """Build the site and serve it; a generator for a module-scoped fixture."""
    url = database_url(migrated_template, tmp_path_factory)
    app = create_app(
        {
            "DATABASE_URL": url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            # The server's own key: a set-password link made here must open there.
            "SECRET_KEY": "browser-test-secret",
            "SCHEDULER_INTERVAL": None,
            "READERS_COUNT": False,
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("desk-site-instance"))
    server = Server(url)
    # The seeded webhook is for the editor's pages only: nothing is sent from here.
    server.env["SHOWFLOOR_WEBHOOKS_IN_SERVER"] = "0"
    site = Site(server, app)
    with app.app_context():
        _build(site)
        db.session.remove()
    server.start()
    yield site
    server.stop()
    with app.app_context():
        dispose_app(app)


def _build(site: Site) -> None:
    event = actions.create_event(
        "mfc", "Mobile Frontier", date(2027, 3, 1), date(2027, 3, 4), "UTC"
    )
    people = {}
    for name, role in [
        ("editor", Role.EDITOR),
        ("reporter", Role.REPORTER),
        ("colleague", Role.REPORTER),
        ("contributor", Role.CONTRIBUTOR),
    ]:
        people[name] = actions.create_user(f"{name}@example.test", name.title(), PASSWORD, role)
        if role != Role.EDITOR:
            actions.assign_user(people[name], event)
    blog = actions.create_blog(event, "keynote", "Opening keynote")
    actions.set_blog_status(people["editor"], blog.id, BlogStatus.LIVE)
    actions.add_speaker(event, "Inés Valbuena", "Chief Executive", "Aurora Devices")
    data = actions.EntryInput(source="Doors open.", tags=["Batteries", "Spectrum"])
    entry, _ = actions.post_entry(people["reporter"], blog.id, data, "site-entry-0001")
    batch = actions.create_batch(people["editor"], blog.id, "Fold specs")
    session = actions.save_session(
        people["editor"],
        event.id,
        None,
        actions.SessionInput(
            title="Keynote",
            stage="Hall 1",
            starts_at="2027-03-01T10:00",
            ends_at="2027-03-01T11:00",
        ),
    )
    hook = endpoints.EndpointInput(
        url="https://cms.example.org/in", change_types=["entry_published"]
    )
    endpoint, _ = endpoints.create_endpoint(people["editor"], event.id, hook)
    site.token = actions.issue_password_link(people["editor"], people["colleague"].id)
    site.people = people
    site.ids = {
        "event": event.id,
        "blog": blog.id,
        "entry": entry.id,
        "batch": batch.id,
        "session": session.id,
        "webhook": endpoint.id,
        "user": people["reporter"].id,
    }
    site.slugs = {"event": event.slug, "blog": blog.slug}
