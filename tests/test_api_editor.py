"""The editor's API over HTTP: events, blogs, roster, agenda, hub features, reporters, review."""

from __future__ import annotations

import uuid

import pytest
from conftest import api_headers
from sqlalchemy import select

from blog import actions
from blog.models import AuditRecord, BlogStatus, Event, HubFeature, Role, User
from blog.platform import db


def keyed(headers: dict) -> dict:
    """The headers plus a fresh idempotency key, as every create needs."""
    return {**headers, "Idempotency-Key": uuid.uuid4().hex}


def audited() -> list[str]:
    """The audit log's actions, oldest first; making API tokens left out."""
    stmt = select(AuditRecord.action).where(AuditRecord.action.not_like("token.%"))
    return list(db.session.scalars(stmt.order_by(AuditRecord.id)))


@pytest.fixture
def ed(editor):
    return api_headers(editor)


def test_an_editor_creates_and_edits_an_event(client, ed):
    body = {"name": "Show", "slug": "api-show", "starts_on": "2027-05-01", "ends_on": "2027-05-03"}
    made = client.post("/api/v1/events", json=body, headers=keyed(ed))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["slug"] == "api-show" and made.get_json()["timezone"] == "UTC"
    edit = client.patch("/api/v1/events/api-show", json={"city": "Lisbon"}, headers=ed)
    assert edit.status_code == 200 and edit.get_json()["city"] == "Lisbon"
    assert edit.get_json()["name"] == "Show"  # left out, kept
    assert audited()[-2:] == ["event.create", "event.edit"]
    bad = client.patch("/api/v1/events/api-show", json={"ends_on": "2027-04-01"}, headers=ed)
    assert bad.status_code == 422 and "ends_on" in bad.get_json()["fields"]
    typed = client.patch("/api/v1/events/api-show", json={"city": 7}, headers=ed)
    assert typed.status_code == 422 and typed.get_json()["fields"] == {"city": "not a string"}


def test_creating_an_event_needs_a_key_an_editor_and_an_unscoped_token(
    client, ed, make_event, make_user
):
    body = {"name": "S", "slug": "s-1", "starts_on": "2027-05-01", "ends_on": "2027-05-01"}
    missing = client.post("/api/v1/events", json=body, headers=ed)
    assert missing.status_code == 422 and "idempotency_key" in missing.get_json()["fields"]
    reporter = make_user(Role.REPORTER)
    refused = client.post("/api/v1/events", json=body, headers=keyed(api_headers(reporter)))
    assert refused.status_code == 403
    editor = db.session.scalar(select(User).where(User.role == Role.EDITOR))
    token = actions.create_api_token(editor, "scoped", event_id=make_event().id)
    scoped = client.post(
        "/api/v1/events", json=body, headers=keyed({"Authorization": f"Bearer {token}"})
    )
    assert scoped.status_code == 403 and "event-scoped" in scoped.get_json()["error"]
    assert db.session.scalar(select(Event).where(Event.slug == "s-1")) is None


def test_blogs_are_created_edited_ended_and_reopened(client, ed, make_event):
    event = make_event()
    body = {"title": "Keynote", "slug": "keynote", "starts_at": "2027-03-01T10:00"}
    made = client.post(f"/api/v1/events/{event.slug}/blogs", json=body, headers=keyed(ed))
    assert made.status_code == 201, made.get_json()
    blog = made.get_json()
    assert blog["status"] == "scheduled" and blog["starts_at"] == "2027-03-01T09:00:00+00:00"
    patch = client.patch(f"/api/v1/blogs/{blog['id']}", json={"description": "Day one"}, headers=ed)
    assert patch.status_code == 200 and patch.get_json()["description"] == "Day one"
    assert patch.get_json()["title"] == "Keynote"
    slug = client.patch(f"/api/v1/blogs/{blog['id']}", json={"slug": "x"}, headers=ed)
    assert slug.status_code == 422
    for status in ("live", "ended", "live"):
        moved = client.post(
            f"/api/v1/blogs/{blog['id']}/status", json={"status": status}, headers=ed
        )
        assert moved.status_code == 200 and moved.get_json()["status"] == status
    assert audited()[-3:] == ["blog.live", "blog.ended", "blog.reopen"]


def test_a_reporter_may_not_curate(client, blog, reporter):
    headers = api_headers(reporter)
    patch = client.patch(f"/api/v1/blogs/{blog.id}", json={"title": "Mine"}, headers=headers)
    assert patch.status_code == 403
    feats = client.put(f"/api/v1/events/{blog.event.slug}/features", json={"features": []})
    assert feats.status_code == 401
    put = client.put(
        f"/api/v1/events/{blog.event.slug}/features", json={"features": []}, headers=headers
    )
    assert put.status_code == 403


def test_the_roster_speakers_and_organisations(client, ed, blog, reporter):
    url = f"/api/v1/events/{blog.event.slug}/speakers"
    body = {"name": "Ada", "title": "CTO", "organization": "Aurora"}
    added = client.post(url, json=body, headers=keyed(api_headers(reporter)))
    assert added.status_code == 201  # the event's people add speakers, as on the desk
    speaker = added.get_json()
    refused = client.patch(
        f"/api/v1/speakers/{speaker['id']}", json={"title": "CEO"}, headers=api_headers(reporter)
    )
    assert refused.status_code == 403
    edited = client.patch(f"/api/v1/speakers/{speaker['id']}", json={"title": "CEO"}, headers=ed)
    assert edited.get_json() == {**speaker, "title": "CEO"}
    orgs = client.get(f"/api/v1/events/{blog.event.slug}/organisations").get_json()
    org = orgs["organisations"][0]
    renamed = client.patch(
        f"/api/v1/organisations/{org['id']}", json={"name": "Aurora SA"}, headers=ed
    )
    assert renamed.get_json() == {"id": org["id"], "name": "Aurora SA"}
    assert client.get(url).get_json()["speakers"][0]["organization"] == "Aurora SA"
    assert audited()[-3:] == ["speaker.create", "speaker.edit", "organization.rename"]


def test_agenda_sessions_are_added_edited_and_removed(client, ed, make_event):
    event = make_event()
    url = f"/api/v1/events/{event.slug}/agenda"
    body = {"title": "Panel", "starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00"}
    made = client.post(url, json=body, headers=keyed(ed))
    assert made.status_code == 201, made.get_json()
    session = made.get_json()
    moved = client.patch(f"/api/v1/agenda/{session['id']}", json={"stage": "Hall 4"}, headers=ed)
    assert moved.get_json()["stage"] == "Hall 4"
    assert moved.get_json()["starts_at"] == session["starts_at"]
    outside = client.patch(
        f"/api/v1/agenda/{session['id']}", json={"ends_at": "2027-09-01T10:00"}, headers=ed
    )
    assert outside.status_code == 422
    assert client.get(url).get_json()["sessions"][0]["stage"] == "Hall 4"
    gone = client.delete(f"/api/v1/agenda/{session['id']}", headers=ed)
    assert gone.status_code == 204
    assert client.get(url).get_json() == {"sessions": []}
    assert audited()[-3:] == ["session.create", "session.edit", "session.remove"]


def test_hub_features_are_one_ordered_list(client, ed, make_event, make_blog, make_entry):
    event = make_event()
    first, second = make_blog(event), make_blog(event)
    entry = make_entry(first)
    url = f"/api/v1/events/{event.slug}/features"
    wanted = [{"blog_id": second.id}, {"entry_id": entry.id, "lead": True}]
    put = client.put(url, json={"features": wanted}, headers=ed)
    assert put.status_code == 200, put.get_json()
    got = put.get_json()["features"]
    assert [(f["kind"], f["lead"]) for f in got] == [("blog", False), ("entry", True)]
    flipped = client.put(url, json={"features": wanted[::-1]}, headers=ed).get_json()["features"]
    assert [f["id"] for f in flipped] == [got[1]["id"], got[0]["id"]]  # kept, reordered
    assert client.get(url, headers=ed).get_json()["features"] == flipped
    assert client.put(url, json={"features": []}, headers=ed).get_json() == {"features": []}
    assert db.session.scalar(select(HubFeature.id)) is None
    assert audited()[-6:] == [
        "hub.feature",
        "hub.feature",
        "hub.lead",
        "hub.reorder",
        "hub.unfeature",
        "hub.unfeature",
    ]
    other = make_blog()
    foreign = client.put(url, json={"features": [{"blog_id": other.id}]}, headers=ed)
    assert foreign.status_code == 404
    twice = client.put(url, json={"features": [{"blog_id": first.id}] * 2}, headers=ed)
    assert twice.status_code == 422
    shape = client.put(url, json={"features": [{"blog_id": "1"}]}, headers=ed)
    assert shape.status_code == 422


def test_reporters_are_assigned_by_id_or_email(client, ed, make_event, make_user):
    event = make_event()
    ana = make_user(Role.REPORTER)
    url = f"/api/v1/events/{event.slug}/reporters"
    by_email = client.put(f"{url}/{ana.email}", json={}, headers=ed)
    assert by_email.status_code == 200 and by_email.get_json()["id"] == ana.id
    assert [p["id"] for p in client.get(url, headers=ed).get_json()["reporters"]] == [ana.id]
    assert client.delete(f"{url}/{ana.id}", headers=ed).status_code == 204
    assert client.get(url, headers=ed).get_json() == {"reporters": []}
    assert client.put(f"{url}/nobody@example.test", headers=ed).status_code == 404
    probe = client.put(f"{url}/nobody@example.test", headers=api_headers(ana))
    assert probe.status_code == 403  # a reporter cannot probe which accounts exist
    assert audited()[-2:] == ["user.assign", "user.unassign"]


def test_the_review_queue_approve_and_return(client, ed, blog, make_user):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    one, _ = actions.post_entry(contributor, blog.id, actions.EntryInput(source="one"), "rq-00001")
    two, _ = actions.post_entry(contributor, blog.id, actions.EntryInput(source="two"), "rq-00002")
    queue = client.get(f"/api/v1/events/{blog.event.slug}/review", headers=ed).get_json()
    assert [i["entry"]["id"] for i in queue["entries"]] == [one.id, two.id]
    assert queue["edits"] == []
    url = f"/api/v1/entries/{one.id}"
    stale = client.post(f"{url}/approve", json={"base_version": 9}, headers=ed)
    assert stale.status_code == 409 and stale.get_json()["current"]["version"] == 1
    assert client.post(f"{url}/approve", json={}, headers=ed).status_code == 422
    ok = client.post(f"{url}/approve", json={"base_version": 1}, headers=ed)
    assert ok.status_code == 200 and ok.get_json()["status"] == "published"
    no_note = client.post(f"/api/v1/entries/{two.id}/return", json={"base_version": 1}, headers=ed)
    assert no_note.status_code == 422
    back = client.post(
        f"/api/v1/entries/{two.id}/return", json={"base_version": 1, "note": "Source?"}, headers=ed
    )
    assert back.status_code == 200 and back.get_json()["status"] == "draft"
    assert audited()[-2:] == ["entry.approve", "entry.return"]
    refused = client.get(
        f"/api/v1/events/{blog.event.slug}/review", headers=api_headers(contributor)
    )
    assert refused.status_code == 403


def test_a_waiting_edit_is_listed_and_approved_by_its_revision(client, ed, blog, make_user):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    entry, _ = actions.post_entry(contributor, blog.id, actions.EntryInput(source="v1"), "we-00001")
    actions.approve_entry(
        db.session.scalar(select(User).where(User.role == Role.EDITOR)), entry.id, 1
    )
    actions.edit_entry(contributor, entry.id, 1, actions.EntryInput(source="v2"))
    queue = client.get(f"/api/v1/events/{blog.event.slug}/review", headers=ed).get_json()
    edit = queue["edits"][0]
    assert edit["edit"]["source"] == "v2" and edit["entry"]["source"] == "v1"
    body = {"edit_revision": edit["edit_revision"]}
    done = client.post(f"/api/v1/entries/{entry.id}/approve", json=body, headers=ed)
    assert done.status_code == 200 and done.get_json()["source"] == "v2"
    assert blog.status == BlogStatus.LIVE
