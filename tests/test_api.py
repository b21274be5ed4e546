"""The JSON API: reads, the change cursor, token-authenticated writes and their refusals."""

from __future__ import annotations

import uuid

import pytest
from conftest import api_headers, statements_run
from sqlalchemy import func, select

from blog import actions
from blog.models import (
    BlogStatus,
    Change,
    Entry,
    EntryRevision,
    LiveBlog,
    Role,
    Tag,
    User,
)
from blog.platform import db


def key() -> str:
    return uuid.uuid4().hex


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def state() -> dict:
    """What a refused write must leave alone, read fresh from the database."""
    entries = select(
        Entry.id,
        Entry.blog_id,
        Entry.status,
        Entry.version,
        Entry.source,
        Entry.headline,
        Entry.is_pinned,
        Entry.is_key,
    )
    return {
        "entries": sorted(db.session.execute(entries).all()),
        "blogs": sorted(
            db.session.execute(select(LiveBlog.id, LiveBlog.status, LiveBlog.last_seq)).all()
        ),
        "revisions": count(EntryRevision),
        "changes": count(Change),
        "tags": count(Tag),
    }


def last_seq(blog_id: int) -> int:
    return db.session.scalar(select(LiveBlog.last_seq).where(LiveBlog.id == blog_id))


def entry_row(entry_id: int) -> Entry:
    return db.session.get(Entry, entry_id, populate_existing=True)


def post(client, blog_id, headers, **body):
    body.setdefault("idempotency_key", key())
    return client.post(f"/api/v1/blogs/{blog_id}/entries", json=body, headers=headers)


# --- reads ----------------------------------------------------------------------------------


def test_get_blog(client, blog, make_entry):
    make_entry(blog)
    response = client.get(f"/api/v1/blogs/{blog.id}")
    assert response.status_code == 200
    got = response.get_json()
    assert got == {
        "id": blog.id,
        "event": blog.event.slug,
        "slug": blog.slug,
        "title": "A live blog",
        "description": "",
        "status": "live",
        "last_seq": 2,  # went live, one entry
        "default_order": "newest",
        "session_id": None,
        "starts_at": None,
        "started_at": got["started_at"],
        "ended_at": None,
        "url": f"/e/{blog.event.slug}/{blog.slug}/",
    }
    assert got["started_at"].endswith("+00:00")


def test_unknown_blog_is_a_json_404(client):
    response = client.get("/api/v1/blogs/999999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "No such live blog."}


def test_changes_come_in_seq_order_from_the_cursor(client, blog, make_entry, editor):
    first, second = make_entry(blog, source="one"), make_entry(blog, source="two")
    actions.edit_entry(editor, first.id, 1, actions.EntryInput(source="one, fixed"))
    actions.pin_entry(editor, second.id)
    actions.mark_key_entry(editor, first.id, True)
    actions.retract_entry(editor, second.id)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)

    body = client.get(f"/api/v1/blogs/{blog.id}/changes?since=0").get_json()
    assert body["blog_id"] == blog.id and body["last_seq"] == 8 and body["more"] is False
    assert [(c["seq"], c["type"]) for c in body["changes"]] == [
        (1, "blog_status_changed"),
        (2, "entry_published"),
        (3, "entry_published"),
        (4, "entry_edited"),
        (5, "entry_pinned"),
        (6, "entry_key_changed"),
        (7, "entry_retracted"),
        (8, "blog_status_changed"),
    ]
    assert all(c["blog_id"] == blog.id for c in body["changes"])
    edited = body["changes"][3]
    assert edited["entry_id"] == first.id and edited["version"] == 2
    assert "one, fixed" in edited["html"]

    tail = client.get(f"/api/v1/blogs/{blog.id}/changes?since=6").get_json()
    assert [c["seq"] for c in tail["changes"]] == [7, 8] and tail["more"] is False


def test_changes_without_since_start_at_the_beginning(client, blog):
    body = client.get(f"/api/v1/blogs/{blog.id}/changes").get_json()
    assert [c["seq"] for c in body["changes"]] == [1]


def test_changes_at_the_head_are_empty(client, blog, make_entry):
    make_entry(blog)
    body = client.get(f"/api/v1/blogs/{blog.id}/changes?since=2").get_json()
    assert body == {"blog_id": blog.id, "last_seq": 2, "changes": [], "more": False}


def test_changes_of_another_blog_are_not_mixed_in(client, make_blog, make_entry):
    mine, other = make_blog(), make_blog()
    make_entry(other)
    make_entry(mine)
    body = client.get(f"/api/v1/blogs/{mine.id}/changes?since=0").get_json()
    assert [c["blog_id"] for c in body["changes"]] == [mine.id, mine.id]


def test_changes_page_says_more_until_the_head(client, blog, make_entry, editor):
    entry = make_entry(blog)
    # 2 changes so far; toggling the key flag adds one change each time.
    for n in range(500):
        actions.mark_key_entry(editor, entry.id, n % 2 == 0)
    head = last_seq(blog.id)
    assert head == 502

    first = client.get(f"/api/v1/blogs/{blog.id}/changes?since=0").get_json()
    assert first["more"] is True and first["last_seq"] == head
    seqs = [c["seq"] for c in first["changes"]]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) < head

    rest = client.get(f"/api/v1/blogs/{blog.id}/changes?since={seqs[-1]}").get_json()
    assert rest["more"] is False
    assert [c["seq"] for c in rest["changes"]] == list(range(seqs[-1] + 1, head + 1))


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "", "%C2%B2", "1e3", "+1"])
def test_bad_since_is_422(client, blog, since):
    response = client.get(f"/api/v1/blogs/{blog.id}/changes?since={since}")
    assert response.status_code == 422
    assert "since" in response.get_json()["error"]


def test_list_entries_newest_first_with_before_cursor(client, blog, make_entry, make_user):
    posted = [make_entry(blog, source=f"Update {n}") for n in range(25)]
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    make_entry(blog, author=contributor, source="waiting for an editor")
    newest_first = [e.id for e in reversed(posted)]

    page = client.get(f"/api/v1/blogs/{blog.id}/entries").get_json()
    assert page["more"] is True
    assert [e["id"] for e in page["entries"]] == newest_first[:20]
    assert page["entries"][0]["source"] == "Update 24"

    older = client.get(f"/api/v1/blogs/{blog.id}/entries?before={newest_first[19]}").get_json()
    assert older["more"] is False
    assert [e["id"] for e in older["entries"]] == newest_first[20:]


def test_list_entries_leaves_out_retracted(client, blog, make_entry, editor):
    kept, gone = make_entry(blog), make_entry(blog)
    actions.retract_entry(editor, gone.id)
    body = client.get(f"/api/v1/blogs/{blog.id}/entries").get_json()
    assert [e["id"] for e in body["entries"]] == [kept.id] and body["more"] is False


def test_list_entries_bad_cursor_is_404(client, make_blog, make_entry, make_user):
    blog, other = make_blog(), make_blog()
    elsewhere = make_entry(other)
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    pending = make_entry(blog, author=contributor)
    for before in (elsewhere.id, pending.id, 999999, "abc"):
        response = client.get(f"/api/v1/blogs/{blog.id}/entries?before={before}")
        assert response.status_code == 404, before
        assert response.is_json


def test_get_entry(client, blog, make_entry, editor):
    speaker = actions.add_speaker(blog.event, "Inés Valbuena", "Chief Executive", "Aurora")
    entry = make_entry(
        blog,
        kind="quote",
        source="One **screwdriver**.",
        headline="Repair",
        speaker_id=speaker.id,
        tags=["Repair", "demo"],
        is_key=True,
    )
    body = client.get(f"/api/v1/entries/{entry.id}").get_json()
    assert body["id"] == entry.id and body["blog_id"] == blog.id
    assert body["kind"] == "quote" and body["status"] == "published" and body["version"] == 1
    assert body["source"] == "One **screwdriver**."
    assert body["html"] == "<p>One <strong>screwdriver</strong>.</p>"
    assert body["headline"] == "Repair"
    assert body["speaker"] == {
        "id": speaker.id,
        "name": "Inés Valbuena",
        "title": "Chief Executive",
        "organization": "Aurora",
    }
    assert body["tags"] == ["demo", "repair"]
    assert body["is_key"] is True and body["is_pinned"] is False
    assert body["author"] == editor.name
    assert body["url"] == f"/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}"
    assert body["published_at"] and body["updated_at"]


def test_get_entry_unknown_or_pending_is_404(client, blog, make_entry, make_user):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    pending = make_entry(blog, author=contributor)
    assert client.get(f"/api/v1/entries/{pending.id}").status_code == 404
    assert client.get("/api/v1/entries/999999").status_code == 404


def test_get_retracted_entry_is_gone_and_does_not_show_its_text(client, blog, make_entry, editor):
    entry = make_entry(blog, source="A claim we had to take back")
    actions.retract_entry(editor, entry.id)
    response = client.get(f"/api/v1/entries/{entry.id}")
    assert response.status_code == 410
    assert "take back" not in response.get_data(as_text=True)


def test_speakers_of_an_event(client, blog):
    actions.add_speaker(blog.event, "Tomasz", "Head of Strategy", "Nordlink")
    actions.add_speaker(blog.event, "Ana")
    body = client.get(f"/api/v1/events/{blog.event.slug}/speakers").get_json()
    assert [(s["name"], s["organization"]) for s in body["speakers"]] == [
        ("Ana", ""),
        ("Tomasz", "Nordlink"),
    ]
    assert client.get("/api/v1/events/no-such-event/speakers").status_code == 404


# --- posting --------------------------------------------------------------------------------


def test_post_then_retry_with_the_same_key_makes_one_entry(client, blog, editor):
    headers = api_headers(editor)
    body = {"source": "Doors open.", "idempotency_key": "retry-key-0001", "tags": ["Doors"]}
    first = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
    assert first.status_code == 201
    created = first.get_json()
    assert created["status"] == "published" and created["html"] == "<p>Doors open.</p>"
    assert created["tags"] == ["doors"] and created["author"] == editor.name
    seq_after_first = last_seq(blog.id)

    again = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == created["id"]
    assert count(Entry) == 1
    assert last_seq(blog.id) == seq_after_first == 2


def test_a_post_runs_ten_statements(app, client, blog, reporter):
    headers, url = api_headers(reporter), f"/api/v1/blogs/{blog.id}/entries"
    client.post(
        url, json={"source": "Warm-up.", "idempotency_key": "count-key-0000"}, headers=headers
    )
    replies = []
    body = {"source": "Doors open.", "idempotency_key": "count-key-0001"}
    ran = statements_run(app, lambda: replies.append(client.post(url, json=body, headers=headers)))
    assert replies[0].status_code == 201
    # The token with its account; the key's other uses; the key's entry; the actor afresh;
    # the blog with its event; the actor's events; the entry, its audit line, the blog's
    # seq and the change row. An unscoped token's blog needs no event looked up, and a
    # new entry's (empty) co-authors are not read back.
    assert ran == 10


def test_idempotency_key_may_come_in_a_header(client, blog, editor):
    headers = {**api_headers(editor), "Idempotency-Key": "header-key-0001"}
    url = f"/api/v1/blogs/{blog.id}/entries"
    assert client.post(url, json={"source": "x"}, headers=headers).status_code == 201
    assert client.post(url, json={"source": "x"}, headers=headers).status_code == 200
    assert count(Entry) == 1


def test_key_reused_in_another_blog_is_refused(client, make_blog, editor):
    blog, other = make_blog(), make_blog()
    headers = api_headers(editor)
    first = post(client, blog.id, headers, source="x", idempotency_key="shared-key-01")
    assert first.status_code == 201
    before = state()
    response = post(client, other.id, headers, source="y", idempotency_key="shared-key-01")
    assert response.status_code == 422
    assert state() == before


@pytest.mark.parametrize(
    "bad_key",
    [None, "", "short", "has space in it", "ünïcödé-key", "x" * 65, "newline-at-end\n", 12345678],
    ids=["missing", "empty", "short", "space", "non-ascii", "long", "trailing-newline", "int"],
)
def test_missing_or_malformed_key_is_422(client, blog, editor, bad_key):
    headers = api_headers(editor)
    body = {"source": "An update"}
    if bad_key is not None:
        body["idempotency_key"] = bad_key
    before = state()
    response = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"idempotency_key": "missing or malformed"}
    assert state() == before


def test_quote_with_a_roster_speaker(client, blog, editor):
    speaker = actions.add_speaker(blog.event, "Priya", "CTO", "Aurora")
    response = post(
        client,
        blog.id,
        api_headers(editor),
        kind="quote",
        source="Seven years.",
        speaker_id=speaker.id,
    )
    assert response.status_code == 201
    assert response.get_json()["speaker"]["name"] == "Priya"


@pytest.mark.parametrize("speaker", ["unknown", "other-event", "missing", "not-a-number"])
def test_quote_without_a_speaker_of_this_event_is_422(client, blog, editor, make_event, speaker):
    foreign = actions.add_speaker(make_event(), "Someone Else")
    speaker_id = {
        "unknown": 999999,
        "other-event": foreign.id,
        "missing": None,
        "not-a-number": "abc",
    }[speaker]
    headers = api_headers(editor)
    before = state()
    response = post(client, blog.id, headers, kind="quote", source="A line", speaker_id=speaker_id)
    assert response.status_code == 422
    assert "speaker_id" in response.get_json()["fields"]
    assert state() == before


@pytest.mark.parametrize("source", ["", "   \n\t ", "\u200b\u200b", "x" * 10_001])
def test_empty_or_over_long_body_is_422(client, blog, editor, source):
    headers = api_headers(editor)
    before = state()
    response = post(client, blog.id, headers, source=source)
    assert response.status_code == 422
    assert "source" in response.get_json()["fields"]
    assert state() == before


def test_over_long_headline_and_too_many_tags_are_422(client, blog, editor):
    headers = api_headers(editor)
    before = state()
    response = post(client, blog.id, headers, source="ok", headline="h" * 201)
    assert response.status_code == 422 and "headline" in response.get_json()["fields"]
    response = post(client, blog.id, headers, source="ok", tags=[f"t{n}" for n in range(9)])
    assert response.status_code == 422 and "tags" in response.get_json()["fields"]
    assert state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"source": 5},
        {"source": "x", "kind": "video"},
        {"source": "x", "tags": "a,b"},
        {"source": "x", "author_id": 1},
        {"source": "x", "headline": None},
    ],
    ids=["source-not-string", "unknown-kind", "tags-not-list", "unknown-field", "headline-null"],
)
def test_malformed_entry_fields_are_422(client, blog, editor, body):
    headers = api_headers(editor)
    before = state()
    response = post(client, blog.id, headers, **body)
    assert response.status_code == 422
    assert state() == before


def test_body_that_is_not_a_json_object_is_422(client, blog, editor):
    headers = api_headers(editor)
    before = state()
    url = f"/api/v1/blogs/{blog.id}/entries"
    assert client.post(url, data="source=x", headers=headers).status_code == 422
    assert client.post(url, json=["source", "x"], headers=headers).status_code == 422
    assert state() == before


@pytest.mark.parametrize("status", [BlogStatus.ENDED, BlogStatus.SCHEDULED])
def test_posting_to_a_blog_that_is_not_live_is_422(client, make_blog, editor, status):
    blog = make_blog(status=status)
    headers = api_headers(editor)
    before = state()
    response = post(client, blog.id, headers, source="Too late or too early")
    assert response.status_code == 422
    assert state() == before


def test_posting_to_an_unknown_blog_is_404(client, editor):
    headers = api_headers(editor)
    before = state()
    assert post(client, 999999, headers, source="x").status_code == 404
    assert state() == before


# --- authentication and permissions ---------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer sf_not-a-real-token", "Basic dXNlcjpwYXNz", "sf_x"],
)
def test_missing_or_bad_token_is_401(client, blog, make_entry, authorization):
    entry = make_entry(blog)
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = state()
    writes = [
        ("post", f"/api/v1/blogs/{blog.id}/entries", {"source": "x", "idempotency_key": key()}),
        ("patch", f"/api/v1/entries/{entry.id}", {"source": "x", "base_version": 1}),
        ("post", f"/api/v1/entries/{entry.id}/retract", {}),
        ("post", f"/api/v1/entries/{entry.id}/pin", {}),
        ("post", f"/api/v1/entries/{entry.id}/unpin", {}),
        ("post", f"/api/v1/entries/{entry.id}/key", {"is_key": True}),
        ("post", f"/api/v1/blogs/{blog.id}/status", {"status": "ended"}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 401, (method, url)
        assert "token" in response.get_json()["error"]
    assert state() == before


def test_token_of_a_deactivated_account_is_401(client, blog, reporter):
    headers = api_headers(reporter)
    db.session.get(User, reporter.id).active = False
    db.session.commit()
    before = state()
    assert post(client, blog.id, headers, source="x").status_code == 401
    assert state() == before


def test_reporter_of_another_event_is_403(client, blog, make_user, make_event):
    outsider = make_user(Role.REPORTER, events=[make_event()])
    before = state()
    response = post(client, blog.id, api_headers(outsider), source="Not my show")
    assert response.status_code == 403
    assert state() == before


def test_assigned_reporter_posts_and_edits_own_entry(client, blog, reporter):
    headers = api_headers(reporter)
    created = post(client, blog.id, headers, source="Mine").get_json()
    response = client.patch(
        f"/api/v1/entries/{created['id']}",
        json={"source": "Mine, fixed", "base_version": 1},
        headers=headers,
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2


def test_reporter_editing_someone_elses_entry_is_403(client, blog, reporter, make_entry):
    entry = make_entry(blog, source="The editor's words")
    headers = api_headers(reporter)
    before = state()
    patched = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"source": "mine now", "base_version": 1},
        headers=headers,
    )
    assert patched.status_code == 403
    assert client.post(f"/api/v1/entries/{entry.id}/retract", headers=headers).status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [("pin", None), ("unpin", None), ("key", {"is_key": True})],
)
def test_reporter_curating_is_403(client, blog, reporter, make_entry, path, body):
    entry = make_entry(blog, author=reporter)
    before = state()
    response = client.post(
        f"/api/v1/entries/{entry.id}/{path}", json=body or {}, headers=api_headers(reporter)
    )
    assert response.status_code == 403
    assert state() == before


def test_reporter_setting_blog_status_is_403(client, blog, reporter):
    before = state()
    response = client.post(
        f"/api/v1/blogs/{blog.id}/status", json={"status": "ended"}, headers=api_headers(reporter)
    )
    assert response.status_code == 403
    assert state() == before


def test_contributor_post_waits_for_an_editor(client, blog, make_user):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    seq = last_seq(blog.id)
    response = post(client, blog.id, api_headers(contributor), source="From a freelancer")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending" and body["published_at"] is None
    assert last_seq(blog.id) == seq  # readers are not told
    assert client.get(f"/api/v1/entries/{body['id']}").status_code == 404
    assert client.get(f"/api/v1/blogs/{blog.id}/entries").get_json()["entries"] == []


# --- editing --------------------------------------------------------------------------------


def test_patch_bumps_version_and_keeps_a_revision(client, blog, make_entry, editor):
    entry = make_entry(blog, source="First take", headline="Keynote", tags=["5g"])
    seq = last_seq(blog.id)
    response = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"source": "Second take", "base_version": 1},
        headers=api_headers(editor),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2 and body["source"] == "Second take"
    # Fields not sent are kept as they were.
    assert body["headline"] == "Keynote" and body["tags"] == ["5g"]
    revisions = db.session.scalars(select(EntryRevision)).all()
    assert [(r.entry_id, r.version, r.source) for r in revisions] == [(entry.id, 1, "First take")]
    assert last_seq(blog.id) == seq + 1
    change = db.session.scalar(select(Change).where(Change.seq == seq + 1))
    assert change.type == "entry_edited" and change.entry_id == entry.id


def test_stale_patch_is_409_with_the_current_text(client, blog, make_entry, editor):
    entry = make_entry(blog, source="Original")
    headers = api_headers(editor)
    url = f"/api/v1/entries/{entry.id}"
    theirs = client.patch(url, json={"source": "Theirs", "base_version": 1}, headers=headers)
    assert theirs.status_code == 200
    before = state()
    response = client.patch(url, json={"source": "Mine", "base_version": 1}, headers=headers)
    assert response.status_code == 409
    body = response.get_json()
    assert body["current"]["version"] == 2 and body["current"]["source"] == "Theirs"
    assert body["error"]
    assert state() == before
    assert entry_row(entry.id).source == "Theirs"


@pytest.mark.parametrize("base", [None, "1", 1.0], ids=["missing", "string", "float"])
def test_patch_without_an_integer_base_version_is_422(client, blog, make_entry, editor, base):
    entry = make_entry(blog)
    body = {"source": "x"} if base is None else {"source": "x", "base_version": base}
    before = state()
    response = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(editor))
    assert response.status_code == 422
    assert state() == before


def test_patch_of_a_retracted_entry_is_422(client, blog, make_entry, editor):
    entry = make_entry(blog)
    actions.retract_entry(editor, entry.id)
    before = state()
    response = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"source": "back", "base_version": 2},
        headers=api_headers(editor),
    )
    assert response.status_code == 422
    assert state() == before


def test_patch_in_an_ended_blog_is_422(client, blog, make_entry, editor):
    entry = make_entry(blog)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    before = state()
    response = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"source": "late", "base_version": 1},
        headers=api_headers(editor),
    )
    assert response.status_code == 422
    assert state() == before


def test_patch_that_breaks_a_rule_is_422(client, blog, make_entry, editor):
    entry = make_entry(blog)
    before = state()
    response = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"source": "", "base_version": 1},
        headers=api_headers(editor),
    )
    assert response.status_code == 422
    assert state() == before


def test_patch_of_an_unknown_entry_is_404(client, editor):
    response = client.patch(
        "/api/v1/entries/999999",
        json={"source": "x", "base_version": 1},
        headers=api_headers(editor),
    )
    assert response.status_code == 404


# --- retract, pin, key, status --------------------------------------------------------------


def test_retract(client, blog, make_entry, editor):
    entry = make_entry(blog, source="Wrong figure")
    headers = api_headers(editor)
    seq = last_seq(blog.id)
    response = client.post(f"/api/v1/entries/{entry.id}/retract", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "retracted"
    assert last_seq(blog.id) == seq + 1
    row = entry_row(entry.id)
    assert row.status.value == "retracted" and row.source == "Wrong figure"  # kept, not deleted
    before = state()
    assert client.post(f"/api/v1/entries/{entry.id}/retract", headers=headers).status_code == 422
    assert state() == before


def test_reporter_retracts_own_entry(client, blog, reporter, make_entry):
    entry = make_entry(blog, author=reporter)
    response = client.post(f"/api/v1/entries/{entry.id}/retract", headers=api_headers(reporter))
    assert response.status_code == 200


def test_pin_and_unpin(client, blog, make_entry, editor):
    first, second = make_entry(blog), make_entry(blog)
    headers = api_headers(editor)
    assert client.post(f"/api/v1/entries/{first.id}/pin", headers=headers).get_json()["is_pinned"]
    response = client.post(f"/api/v1/entries/{second.id}/pin", headers=headers)
    assert response.status_code == 200 and response.get_json()["is_pinned"] is True
    assert entry_row(first.id).is_pinned is False  # one pinned entry per blog
    response = client.post(f"/api/v1/entries/{second.id}/unpin", headers=headers)
    assert response.status_code == 200 and response.get_json()["is_pinned"] is False
    assert entry_row(second.id).is_pinned is False


def test_pinning_a_retracted_entry_is_422(client, blog, make_entry, editor):
    entry = make_entry(blog)
    actions.retract_entry(editor, entry.id)
    before = state()
    assert (
        client.post(f"/api/v1/entries/{entry.id}/pin", headers=api_headers(editor)).status_code
        == 422
    )
    assert state() == before


def test_mark_and_unmark_key(client, blog, make_entry, editor):
    entry = make_entry(blog)
    headers = api_headers(editor)
    url = f"/api/v1/entries/{entry.id}/key"
    assert client.post(url, json={}, headers=headers).get_json()["is_key"] is True
    assert entry_row(entry.id).is_key is True
    assert client.post(url, json={"is_key": False}, headers=headers).get_json()["is_key"] is False
    assert entry_row(entry.id).is_key is False
    before = state()
    assert client.post(url, json={"is_key": "yes"}, headers=headers).status_code == 422
    assert state() == before


def test_set_blog_status(client, make_blog, editor):
    blog = make_blog(status=BlogStatus.SCHEDULED)
    headers = api_headers(editor)
    url = f"/api/v1/blogs/{blog.id}/status"
    response = client.post(url, json={"status": "live"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "live"
    assert (
        client.post(url, json={"status": "ended"}, headers=headers).get_json()["status"] == "ended"
    )
    assert last_seq(blog.id) == 2
    before = state()
    response = client.post(url, json={"status": "scheduled"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"] == "An ended blog cannot become scheduled."
    assert state() == before
    reopened = client.post(url, json={"status": "live"}, headers=headers)
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "live"
    assert last_seq(blog.id) == 3


@pytest.mark.parametrize("status", ["paused", "", None, ["live"], {"s": 1}, 1])
def test_bad_blog_status_is_422(client, blog, editor, status):
    before = state()
    response = client.post(
        f"/api/v1/blogs/{blog.id}/status", json={"status": status}, headers=api_headers(editor)
    )
    assert response.status_code == 422
    assert state() == before
