"""Discovery over the JSON API: the events list, one event whole, its blogs, ETags and 304s."""

from __future__ import annotations

from datetime import date

from conftest import api_headers

from blog import actions
from blog.models import BlogStatus, Role
from blog.platform import clock


def test_events_are_listed_newest_first_and_paged(client, make_event):
    for day in range(1, 23):
        make_event(starts_on=date(2027, 1, day), ends_on=date(2027, 1, day))
    first = client.get("/api/v1/events").get_json()
    assert first["page"] == 1 and first["more"] is True and len(first["events"]) == 20
    assert first["events"][0]["starts_on"] == "2027-01-22"
    second = client.get("/api/v1/events?page=2").get_json()
    assert [e["starts_on"] for e in second["events"]] == ["2027-01-02", "2027-01-01"]
    assert second["more"] is False


def test_events_filter_by_status_and_dates(client, make_event):
    today = clock.now().date()
    past = make_event(starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 2))
    now = make_event(starts_on=today, ends_on=today)
    ahead = make_event(starts_on=date(2099, 5, 1), ends_on=date(2099, 5, 3))

    def slugs(query: str) -> list[str]:
        response = client.get(f"/api/v1/events{query}")
        assert response.status_code == 200, response.get_json()
        return [e["slug"] for e in response.get_json()["events"]]

    assert slugs("?status=past") == [past.slug]
    assert slugs("?status=current") == [now.slug]
    assert slugs("?status=upcoming") == [ahead.slug]
    assert slugs("?from=2099-05-03") == [ahead.slug]
    assert slugs("?to=2020-01-01") == [past.slug]
    for bad in ("?status=live", "?from=tomorrow", "?page=0", "?page=x"):
        assert client.get(f"/api/v1/events{bad}").status_code == 422, bad


def test_an_event_comes_with_its_blogs_agenda_and_roster(client, make_event, make_blog, editor):
    event = make_event()
    live = make_blog(event)
    make_blog(event, status=BlogStatus.SCHEDULED)
    speaker = actions.add_speaker(event, "Inés Valbuena", "CEO", "Aurora")
    times = {"starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00"}
    data = actions.SessionInput(title="Keynote", speaker_ids=[speaker.id], **times)
    actions.save_session(editor, event.id, None, data)
    body = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert body["id"] == event.id and body["url"] == f"/e/{event.slug}/"
    assert [b["status"] for b in body["blogs"]] == ["live", "scheduled"]
    assert body["blogs"][0]["id"] == live.id
    assert body["agenda"][0]["title"] == "Keynote"
    assert body["agenda"][0]["starts_at"] == "2027-03-01T09:00:00+00:00"  # Madrid, UTC+1
    assert body["agenda"][0]["speakers"][0]["name"] == "Inés Valbuena"
    assert body["speakers"][0]["organization"] == "Aurora"
    assert body["last_seq"] >= 1  # the hub's cursor: GET /events/{id}/changes
    blogs = client.get(f"/api/v1/events/{event.slug}/blogs").get_json()["blogs"]
    assert blogs == body["blogs"]
    assert client.get("/api/v1/events/nope").status_code == 404


def test_reads_show_no_drafts_or_pending_entries(client, blog, make_user, editor):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    actions.post_entry(contributor, blog.id, actions.EntryInput(source="wait"), "pending-0001")
    draft = actions.Placement(mode="draft")
    actions.post_entry(editor, blog.id, actions.EntryInput(source="later"), "draft-0001", draft)
    text = client.get(f"/api/v1/events/{blog.event.slug}").get_data(as_text=True)
    assert "wait" not in text and "later" not in text


def test_an_unchanged_event_answers_304_and_a_change_a_new_etag(client, make_event):
    event = make_event()
    url = f"/api/v1/events/{event.slug}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    actions.add_speaker(event, "New Voice")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    listing = client.get("/api/v1/events")
    repeat = client.get("/api/v1/events", headers={"If-None-Match": listing.headers["ETag"]})
    assert repeat.status_code == 304


def test_a_scoped_token_lists_its_own_event_only(client, make_event, editor):
    mine, other = make_event(), make_event()
    token = actions.create_api_token(editor, "one show", event_id=mine.id)
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/events", headers=headers).get_json()["events"]
    assert [e["slug"] for e in listed] == [mine.slug]
    assert client.get(f"/api/v1/events/{other.slug}", headers=headers).status_code == 403
    answer = client.get(f"/api/v1/events/{mine.slug}", headers=api_headers(editor))
    assert answer.headers["Cache-Control"] == "private, no-cache"
