"""Export → import into an empty instance loses nothing; the static archive needs no server."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import UTC, datetime

import pytest
from conftest import BACKEND, create_postgres_database, dispose_app, drop_postgres_database
from sqlalchemy import select

from blog import actions, create_app
from blog.archive.export import SKIPPED, USERS, event_tables, export_event
from blog.archive.importer import import_event
from blog.models import (
    AgendaSession,
    BlogStatus,
    EmbargoBatch,
    Entry,
    Event,
    HubFeature,
    LiveBlog,
    Media,
    Role,
)
from blog.platform import db
from blog.platform.errors import Invalid
from blog.platform.migrate import upgrade


def post(user, blog, source, **fields):
    entry, _ = actions.post_entry(
        user, blog.id, actions.EntryInput(source=source, **fields), uuid.uuid4().hex
    )
    return entry


@pytest.fixture
def coverage(make_event, make_blog, make_user, editor):
    """An event with every kind of thing an export must carry."""
    event = make_event("mwc-2027", venue="Fira Gran Via", city="Barcelona", description="The show")
    speaker = actions.add_speaker(event, "Ana Ruiz", "CTO", "Telco One", actor=editor)
    actions.add_speaker(event, "Bo Lee", "", "", actor=editor)
    blog = make_blog(event, slug="keynote")
    ended = make_blog(event, slug="day-one", status=BlogStatus.ENDED)
    reporter = make_user(Role.REPORTER, events=[event])
    contributor = make_user(Role.CONTRIBUTOR, events=[event])
    first = post(reporter, blog, "Doors **open**", headline="Opening", tags=["5g", "keynote"])
    colleague = make_user(Role.REPORTER, events=[event])
    post(reporter, blog, "Seen by two of us", coauthor_ids=[colleague.id])
    quote = post(editor, blog, "We ship in *May*.", kind="quote", speaker_id=speaker.id)
    actions.edit_entry(reporter, first.id, first.version, actions.EntryInput(source="Doors open"))
    actions.pin_entry(editor, quote.id)
    actions.mark_key_entry(editor, quote.id)
    gone = post(reporter, blog, "Wrong hall")
    actions.retract_entry(reporter, gone.id)
    pending = post(contributor, blog, "From the queue")
    actions.return_entry(editor, pending.id, pending.version, "Add a source")
    _add_rows(event, blog, quote, editor)
    return db.session.get(Event, event.id), ended


def _add_rows(event, blog, entry, editor):
    """Rows whose screens belong to other modules, written directly."""
    starts = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    session = AgendaSession(
        event_id=event.id, title="Keynote", stage="Hall 1", starts_at=starts, ends_at=starts
    )
    media = Media(
        event_id=event.id,
        uploader_id=editor.id,
        storage_key=uuid.uuid4().hex,
        content_type="image/jpeg",
        width=1200,
        height=800,
        variants=[{"width": 640, "file": "x-640.webp", "type": "image/webp"}],
        alt="The stage",
        caption="Hall 1",
        credit="Showfloor",
    )
    db.session.add_all([session, media])
    db.session.flush()
    db.session.get(LiveBlog, blog.id).session_id = session.id
    ev = db.session.get(Event, event.id)
    ev.cover_media_id = media.id
    ev.summary_source, ev.summary_html = "**Key**", "<p><strong>Key</strong></p>"
    db.session.add(HubFeature(event_id=event.id, position=1, entry_id=entry.id, is_lead=True))
    db.session.add(HubFeature(event_id=event.id, position=2, blog_id=blog.id))
    db.session.add(EmbargoBatch(blog_id=blog.id, name="Launch", created_by_id=editor.id))
    db.session.commit()


@pytest.fixture
def empty_database(migrated_template, tmp_path, postgres_url_or_none):
    """A second, empty, migrated database: the instance an export is carried to."""
    if BACKEND == "postgres":
        url = create_postgres_database(postgres_url_or_none)
        upgrade(url)
        yield url
        drop_postgres_database(postgres_url_or_none, url)
        return
    path = tmp_path / "empty.db"
    shutil.copy(migrated_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def postgres_url_or_none(request):
    if BACKEND != "postgres":
        return None
    return request.getfixturevalue("postgres_server_url")


@pytest.fixture
def other_instance(empty_database, tmp_path):
    """Run code against a second app on the empty database, then rebind the first."""
    made = []

    def run(func):
        app = create_app(
            {
                "DATABASE_URL": empty_database,
                "ASYNC_MODE": "threading",
                "MESSAGE_QUEUE_URL": None,
                "TESTING": True,
                "SECRET_KEY": "other-secret",
                # No release loop: it would outlive the test and poll a dropped database.
                "SCHEDULER_INTERVAL": None,
            }
        )
        made.append(app)
        with app.app_context():
            try:
                return func()
            finally:
                db.session.remove()

    yield run
    for app in made:
        dispose_app(app)


def comparable(export: dict) -> dict:
    """The export with user ids replaced by emails and the import's own audit row dropped."""
    tables = json.loads(json.dumps(export["tables"]))
    emails = {u["id"]: u["email"] for u in tables.pop(USERS)}
    for name, rows in tables.items():
        table = db.Base.metadata.tables[name]
        user_cols = [c.name for c in table.columns if _points_to(c, USERS)]
        for row in rows:
            for col in user_cols:
                row[col] = emails.get(row[col], row[col])
    tables["audit_log"] = [r for r in tables["audit_log"] if r["action"] != "event.import"]
    return tables


def _points_to(column, table_name):
    return any(fk.column.table.name == table_name for fk in column.foreign_keys)


def test_every_table_is_exported_or_deliberately_left_out():
    covered = set(event_tables()) | {USERS} | SKIPPED
    assert set(db.Base.metadata.tables) == covered


def test_round_trip_into_an_empty_instance_keeps_every_field(coverage, other_instance):
    event, _ = coverage
    exported = json.loads(json.dumps(export_event(event)))
    assert {"event", "entry", "entry_revision", "speaker", "media", "hub_feature"} <= set(
        exported["tables"]
    )

    def carry():
        imported = import_event(json.loads(json.dumps(exported)))
        again = json.loads(json.dumps(export_event(imported)))
        # Ids were kept: new rows must still get fresh ids (sequences moved past them).
        extra = actions.create_blog(imported, "after-import", "Written after the import")
        assert extra.id > max(b["id"] for b in exported["tables"]["live_blog"])
        return again, _users_of(exported)

    again, users = other_instance(carry)
    before, after = comparable(exported), comparable(again)
    assert set(before) == set(after)
    for name in before:
        assert after[name] == before[name], f"table {name} changed on the way"
    assert len(before["entry"]) == 5 and len(before["entry_revision"]) == 1
    assert len(before["entry_coauthor"]) == 1
    assert users == [(u["email"], u["role"], u["active"]) for u in exported["tables"][USERS]]


def _users_of(exported):
    emails = [u["email"] for u in exported["tables"][USERS]]
    rows = db.session.execute(
        select(db.Base.metadata.tables[USERS]).where(
            db.Base.metadata.tables[USERS].c.email.in_(emails)
        )
    )
    by_email = {r.email: (r.email, r.role, r.active) for r in rows}
    return [by_email[e] for e in emails]


def test_imported_accounts_cannot_log_in_until_given_a_link(coverage, other_instance):
    event, _ = coverage
    exported = export_event(event)
    assert all("password_hash" not in u for u in exported["tables"][USERS])


def test_import_beside_other_data_renumbers_and_keeps_links(coverage, other_instance, make_event):
    event, _ = coverage
    exported = json.loads(json.dumps(export_event(event)))

    def carry():
        # The target already has rows with the exported ids: ids must be renumbered.
        filler = actions.create_event("other-show", "Other", event.starts_on, event.ends_on)
        for n in range(3):
            actions.create_blog(filler, f"b{n}", "Filler")
        imported = import_event(exported)
        assert imported.id != exported["tables"]["event"][0]["id"]
        return json.loads(json.dumps(export_event(imported)))

    again = other_instance(carry)
    strip = _without_ids
    for name in exported["tables"]:
        if name == USERS:
            continue
        before = strip(name, comparable(exported)[name])
        after = strip(name, comparable(again)[name])
        assert after == before, f"table {name} changed on the way"


def _without_ids(name, rows):
    table = db.Base.metadata.tables[name]
    keys = {c.name for c in table.columns if c.name == "id" or (c.foreign_keys and not _user_fk(c))}
    keys |= {"object_id"} if name == "audit_log" else set()
    return [{k: v for k, v in r.items() if k not in keys} for r in rows]


def _user_fk(column):
    return _points_to(column, USERS)


def test_import_refuses_an_existing_slug_and_foreign_files(coverage):
    event, _ = coverage
    exported = export_event(event)
    with pytest.raises(Invalid, match="already exists"):
        import_event(exported)
    with pytest.raises(Invalid, match="not a Showfloor"):
        import_event({"format": "something-else"})
    broken = json.loads(json.dumps(exported))
    broken["tables"]["entry"][0]["surprise"] = 1
    broken["tables"]["event"][0]["slug"] = "new-slug"
    with pytest.raises(Invalid, match="columns"):
        import_event(broken)
    assert db.session.scalar(select(Event).where(Event.slug == "new-slug")) is None


def test_static_archive_has_the_entries_and_no_script(app, coverage, tmp_path):
    from blog.archive.static_site import write_archive

    event, ended = coverage
    out = tmp_path / "archive"
    pages = write_archive(event, out)
    names = sorted(p.name for p in pages)
    assert names == ["day-one.html", "index.html", "keynote.html"]
    keynote = (out / "keynote.html").read_text()
    assert "Doors open" in keynote and "We ship in <em>May</em>." in keynote
    assert "Wrong hall" not in keynote and "From the queue" not in keynote
    hub = (out / "index.html").read_text()
    assert 'href="keynote.html"' in hub and "Fira Gran Via" in hub
    featured = hub[hub.index('id="featured"') :]
    assert re.search(r'href="keynote.html#entry-\d+"', featured)  # the lead entry
    assert "<strong>Key</strong>" in hub  # the editor's summary
    for page in out.glob("*.html"):
        html = page.read_text()
        assert "<script" not in html.lower()
        assert 'href="/' not in html and 'src="/' not in html
    css = list((out / "assets").rglob("app.css"))
    assert css and css[0].stat().st_size > 0


def test_cli_export_import_and_archive(app, coverage, tmp_path):
    event, _ = coverage
    runner = app.test_cli_runner()
    result = runner.invoke(args=["event", "export", event.slug])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["event_slug"] == event.slug
    path = tmp_path / "export.json"
    path.write_text(result.output)
    again = runner.invoke(args=["event", "import", str(path)])
    assert again.exit_code != 0 and "already exists" in again.output
    out = tmp_path / "site"
    made = runner.invoke(args=["event", "archive", event.slug, str(out)])
    assert made.exit_code == 0, made.output
    assert (out / "index.html").exists()
    refused = runner.invoke(args=["event", "archive", event.slug, str(out)])
    assert refused.exit_code != 0 and "not empty" in refused.output


def test_reimporting_under_a_new_slug_gives_a_second_copy(coverage):
    event, _ = coverage
    exported = json.loads(json.dumps(export_event(event)))
    exported["tables"]["event"][0]["slug"] = "mwc-2027-copy"
    copy = import_event(exported)
    assert copy.slug == "mwc-2027-copy" and copy.id != event.id
    sources = select(Entry.source).join(LiveBlog).where(LiveBlog.event_id == copy.id)
    originals = select(Entry.source).join(LiveBlog).where(LiveBlog.event_id == event.id)
    assert sorted(db.session.scalars(sources)) == sorted(db.session.scalars(originals))
    photos = list(db.session.scalars(select(Media).where(Media.event_id == copy.id)))
    assert [p.variants for p in photos] == [db.session.get(Media, event.cover_media_id).variants]


def test_the_import_command_copies_under_a_new_slug_and_refuses_a_taken_one(
    app, coverage, tmp_path
):
    event, _ = coverage
    runner = app.test_cli_runner()
    exported = export_event(event)
    again = tmp_path / "again.json"
    again.write_text(json.dumps(exported), encoding="utf-8")
    refused = runner.invoke(args=["event", "import", str(again)])
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    assert "already exists" in refused.output and "Traceback" not in refused.output
    exported["tables"]["event"][0]["slug"] = "mwc-2027-rehearsal"
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(exported), encoding="utf-8")
    result = runner.invoke(args=["event", "import", str(copy)])
    assert result.exit_code == 0, result.output
    assert "Imported event mwc-2027-rehearsal" in result.output
