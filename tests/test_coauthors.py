"""Co-authors over HTTP, from the desk form and the API: checked, shown, kept, audited."""

from __future__ import annotations

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import select

from blog import actions
from blog.models import AuditRecord, Entry, Role
from blog.platform import db


@pytest.fixture
def team(make_user, blog):
    """Two more reporters of the blog's event and one of another event."""
    ana = make_user(Role.REPORTER, events=[blog.event], email="ana@example.test")
    ben = make_user(Role.REPORTER, events=[blog.event], email="ben@example.test")
    stranger = make_user(Role.REPORTER, email="far@example.test")
    return ana, ben, stranger


def newest() -> Entry:
    db.session.remove()
    return db.session.scalar(select(Entry).order_by(Entry.id.desc()))


def desk_post(client, blog, **fields):
    data = {
        "csrf_token": csrf_token(client, f"/desk/blogs/{blog.id}"),
        "idempotency_key": f"form-{len(fields)}-{fields.get('source', '')[:8]}-key".replace(
            " ", "-"
        ),
        "kind": "text",
        "mode": "publish",
        **fields,
    }
    return client.post(f"/desk/blogs/{blog.id}", data=data)


def test_the_desk_form_offers_the_events_reporters_and_posts_a_shared_byline(
    client, blog, reporter, team
):
    ana, ben, stranger = team
    login(client, reporter)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert f'value="{ana.id}"' in page and f'value="{ben.id}"' in page
    assert stranger.name not in page and f'name="coauthor_ids" value="{reporter.id}"' not in page
    response = desk_post(
        client, blog, source="Both of us saw it.", coauthors_shown="1", coauthor_ids=[str(ana.id)]
    )
    assert response.status_code == 302
    entry = newest()
    assert [u.id for u in entry.coauthors] == [ana.id]
    assert entry.byline == f"{reporter.name} and {ana.name}"
    reader = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    assert f'<span class="entry__byline">{reporter.name} and {ana.name}' in reader
    feed = client.get(f"/e/{blog.event.slug}/{blog.slug}/feed.atom").get_data(as_text=True)
    assert f"<name>{ana.name}</name>" in feed and f"<name>{reporter.name}</name>" in feed
    audit = db.session.scalar(
        select(AuditRecord).where(
            AuditRecord.action == "entry.create", AuditRecord.object_id == entry.id
        )
    )
    assert audit.detail["coauthors"] == [ana.id]


def test_a_co_author_from_outside_the_event_is_refused_and_nothing_is_saved(
    client, blog, reporter, team
):
    _, _, stranger = team
    login(client, reporter)
    before = newest()
    response = desk_post(
        client, blog, source="Not theirs.", coauthors_shown="1", coauthor_ids=[str(stranger.id)]
    )
    assert response.status_code == 422
    assert "assigned to this event" in response.get_data(as_text=True)
    assert newest() == before


def test_the_api_takes_coauthor_ids_and_shows_authors(client, blog, reporter, team):
    ana, ben, stranger = team
    headers = api_headers(reporter)
    body = {
        "source": "Three of us.",
        "idempotency_key": "api-coauthors-1",
        "coauthor_ids": [ben.id, ana.id],
    }
    response = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    authors = response.get_json()["authors"]
    assert [a["name"] for a in authors] == [reporter.name, ben.name, ana.name]
    assert newest().byline == f"{reporter.name}, {ben.name} and {ana.name}"
    for n, bad in enumerate(([stranger.id], [reporter.id], ["x"], 7)):
        body = {"source": "No.", "idempotency_key": f"api-bad-{n}-key", "coauthor_ids": bad}
        refused = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
        assert refused.status_code == 422, (bad, refused.get_json())
        assert "coauthor_ids" in refused.get_json()["fields"], refused.get_json()
    assert newest().source == "Three of us."


def test_an_edit_keeps_co_authors_unless_it_names_others(client, blog, reporter, team):
    ana, ben, _ = team
    entry, _ = actions.post_entry(
        reporter,
        blog.id,
        actions.EntryInput(source="Shared.", coauthor_ids=[ana.id]),
        "edit-keep-1",
    )
    headers = api_headers(reporter)
    edit = {"source": "Shared, corrected.", "base_version": 1}
    response = client.patch(f"/api/v1/entries/{entry.id}", json=edit, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert [a["name"] for a in response.get_json()["authors"]] == [reporter.name, ana.name]

    # The desk's edit form shows the boxes ticked and sends them back: still kept.
    login(client, reporter)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert f'value="{ana.id}" checked' in page
    token = csrf_token(client, f"/desk/entries/{entry.id}/edit")
    form = {
        "csrf_token": token,
        "base_version": "2",
        "kind": "text",
        "source": "Shared, and now with Ben.",
        "coauthors_shown": "1",
        "coauthor_ids": [str(ana.id), str(ben.id)],
    }
    assert client.post(f"/desk/entries/{entry.id}/edit", data=form).status_code == 302
    assert [u.id for u in newest().coauthors] == [ana.id, ben.id]
    audit = db.session.scalar(
        select(AuditRecord)
        .where(AuditRecord.action == "entry.edit")
        .order_by(AuditRecord.id.desc())
    )
    assert audit.detail["coauthors"] == [ana.id, ben.id]


def test_a_contributors_held_edit_names_co_authors_that_apply_when_approved(
    client, blog, editor, team, make_user
):
    ana, _, _ = team
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event], email="con@example.test")
    entry, _ = actions.post_entry(
        contributor, blog.id, actions.EntryInput(source="From the booth."), "held-coauthor-1"
    )
    actions.approve_entry(editor, entry.id, entry.version)
    headers = api_headers(contributor)
    version = newest().version
    edit = {
        "source": "From the booth, with Ana.",
        "base_version": version,
        "coauthor_ids": [ana.id],
    }
    response = client.patch(f"/api/v1/entries/{entry.id}", json=edit, headers=headers)
    assert response.status_code == 202, response.get_json()
    assert newest().coauthors == []  # readers keep the approved byline meanwhile
    actions.approve_entry(editor, entry.id, version, edit_revision=1)
    assert newest().byline == f"{contributor.name} and {ana.name}"
