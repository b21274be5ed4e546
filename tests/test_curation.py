"""The editor desk: events, agenda, blogs and hub curation, and the hub stream readers follow."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime

import pytest
from conftest import csrf_token, login
from sqlalchemy import func, select

from blog import actions
from blog.live import hub_payloads
from blog.models import (
    AgendaSession,
    AuditRecord,
    BlogStatus,
    Event,
    EventChange,
    HubFeature,
    LiveBlog,
    Media,
    Role,
)
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid, NotFound


@pytest.fixture
def event(make_event):
    return make_event("mwc", name="MWC", timezone="Europe/Madrid")


@pytest.fixture
def other(make_event):
    return make_event("ces", name="CES", timezone="America/Los_Angeles")


# ---- helpers ---------------------------------------------------------------------


def fresh(model, id_):
    return db.session.get(model, id_, populate_existing=True)


def hub_follow(sio, event, since=None):
    """Follow an event's hub from since (default: its head) and drop any replay."""
    since = fresh(Event, event.id).last_seq if since is None else since
    ack = sio.emit("follow_event", {"event_id": event.id, "since": since}, callback=True)
    assert ack["ok"], ack
    sio.get_received()
    return ack


@pytest.fixture
def hubs(event, other, reader):
    """A hub follower of `event` and one of `other`, both at their heads."""
    mine, theirs = reader(), reader()
    hub_follow(mine, event)
    hub_follow(theirs, other)
    return mine, theirs


def only(mine, theirs, name, event):
    """Assert mine got exactly one hub change, named name, for event; theirs got nothing."""
    received = mine.get_received()
    assert [m["name"] for m in received] == [name], received
    message = received[0]["args"][0]
    assert message["event_id"] == event.id and message["type"] == name
    assert message["seq"] == fresh(Event, event.id).last_seq
    assert theirs.get_received() == []
    return message


def snapshot() -> dict:
    """What a refused action must leave alone."""
    rows = {}
    for model in (Event, LiveBlog, AgendaSession, HubFeature, EventChange, AuditRecord):
        rows[model.__name__] = db.session.scalar(select(func.count()).select_from(model))
    rows["seqs"] = sorted(db.session.execute(select(Event.id, Event.last_seq)).all())
    rows["blogs"] = sorted(
        db.session.execute(
            select(LiveBlog.id, LiveBlog.title, LiveBlog.session_id, LiveBlog.default_order)
        ).all()
    )
    return rows


def session_input(**kw):
    values = {"title": "Keynote", "stage": "Hall 1"}
    values |= {"starts_at": "2027-03-02T10:00", "ends_at": "2027-03-02T11:00"}
    return actions.SessionInput(**(values | kw))


def audited(action: str) -> int:
    stmt = select(func.count()).where(AuditRecord.action == action)
    return db.session.scalar(stmt.select_from(AuditRecord))


# ---- the hub stream: each change reaches its own hub exactly once ------------------


def test_summary_is_rendered_and_pushed_once(hubs, event, editor):
    mine, theirs = hubs
    actions.set_hub_summary(editor, event.id, "**Doors** open at 9.\n\n<script>x</script>")
    message = only(mine, theirs, "hub_summary_changed", event)
    assert "<strong>Doors</strong>" in message["summary_html"]
    assert "<script" not in message["summary_html"]
    assert fresh(Event, event.id).summary_source.startswith("**Doors**")
    assert audited("hub.summary") == 1


def test_unchanged_summary_records_nothing(hubs, event, editor):
    mine, _ = hubs
    actions.set_hub_summary(editor, event.id, "Same")
    mine.get_received()
    actions.set_hub_summary(editor, event.id, "Same")
    assert mine.get_received() == []


def test_features_lead_order_and_removal_each_push_once(hubs, event, editor, make_blog, make_entry):
    mine, theirs = hubs
    keynote, floor = make_blog(event), make_blog(event)
    entry = make_entry(floor, source="A **scoop**", headline="Scoop")
    mine.get_received()

    first = actions.feature_on_hub(editor, event.id, blog_id=keynote.id)
    payload = only(mine, theirs, "hub_features_changed", event)
    assert payload["lead"] is None and [f["blog"]["id"] for f in payload["features"]] == [
        keynote.id
    ]

    second = actions.feature_on_hub(editor, event.id, entry_id=entry.id, lead=True)
    payload = only(mine, theirs, "hub_features_changed", event)
    assert payload["lead"]["entry"]["entry_id"] == entry.id
    assert "<strong>scoop</strong>" in payload["lead"]["entry"]["html"]
    assert [f["id"] for f in payload["features"]] == [first.id]

    actions.set_lead_feature(editor, event.id, first.id)
    payload = only(mine, theirs, "hub_features_changed", event)
    assert payload["lead"]["id"] == first.id
    assert [f["id"] for f in payload["features"]] == [second.id]

    actions.reorder_features(editor, event.id, [second.id, first.id])
    positions = {f.id: f.position for f in db.session.scalars(select(HubFeature))}
    assert positions == {second.id: 1, first.id: 2}
    only(mine, theirs, "hub_features_changed", event)

    actions.unfeature(editor, event.id, first.id)
    payload = only(mine, theirs, "hub_features_changed", event)
    assert payload["lead"] is None and [f["id"] for f in payload["features"]] == [second.id]
    assert fresh(HubFeature, second.id).position == 1
    assert audited("hub.feature") == 2 and audited("hub.unfeature") == 1


def test_agenda_changes_push_the_session(hubs, event, editor, make_user):
    mine, theirs = hubs
    speaker = actions.add_speaker(event, "Ada Chen", "CTO", "Acme")
    session = actions.save_session(
        editor, event.id, None, session_input(speaker_ids=[str(speaker.id)])
    )
    message = only(mine, theirs, "agenda_changed", event)
    card = message["session"]
    assert message["session_id"] == session.id
    # Typed in Madrid time (UTC+1 in March), stored and sent in UTC.
    assert card["starts_at"] == "2027-03-02T09:00:00+00:00"
    assert card["speakers"] == [
        {"id": speaker.id, "name": "Ada Chen", "attribution": "Ada Chen, CTO, Acme"}
    ]

    actions.save_session(editor, event.id, session.id, session_input(title="Opening keynote"))
    assert only(mine, theirs, "agenda_changed", event)["session"]["speakers"] == []

    actions.remove_session(editor, event.id, session.id)
    assert only(mine, theirs, "agenda_changed", event)["session"] is None
    assert fresh(AgendaSession, session.id) is None


def test_blog_created_and_set_live_reach_the_hub(hubs, event, editor, reader):
    mine, theirs = hubs
    data = actions.BlogInput(title="Keynote live", slug="keynote", default_order="oldest")
    blog = actions.save_blog(editor, event.id, None, data)
    card = only(mine, theirs, "blog_changed", event)["blog"]
    assert card["status"] == "scheduled" and card["default_order"] == "oldest"
    assert card["url"] == "/e/mwc/keynote/"

    blog_reader = reader()
    assert blog_reader.emit("follow", {"blog_id": blog.id, "since": 0}, callback=True)["ok"]
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    assert only(mine, theirs, "blog_status_changed", event)["blog"]["status"] == "live"
    # The blog's own readers still get their own change, once.
    names = [m["name"] for m in blog_reader.get_received()]
    assert names == ["blog_status_changed"]


def test_key_moments_follow_every_way_an_entry_becomes_or_stops_being_key(
    hubs, event, editor, make_blog, make_entry
):
    mine, theirs = hubs
    blog = make_blog(event)
    mine.get_received()
    plain = make_entry(blog, source="Plain update")
    assert mine.get_received() == []  # the common write costs the hub nothing

    actions.mark_key_entry(editor, plain.id, True)
    moments = only(mine, theirs, "key_moments_changed", event)["key_moments"]
    assert [m["entry_id"] for m in moments] == [plain.id] and moments[0]["text"] == "Plain update"

    keyed = make_entry(blog, source="Launch **now**", headline="Launch", is_key=True)
    moments = only(mine, theirs, "key_moments_changed", event)["key_moments"]
    assert [m["entry_id"] for m in moments] == [keyed.id, plain.id]

    edit = actions.EntryInput(source="Launch later", headline="Launch", is_key=False)
    actions.edit_entry(editor, keyed.id, keyed.version, edit)
    moments = only(mine, theirs, "key_moments_changed", event)["key_moments"]
    assert [m["entry_id"] for m in moments] == [plain.id]

    actions.retract_entry(editor, plain.id)
    assert only(mine, theirs, "key_moments_changed", event)["key_moments"] == []

    actions.pin_entry(editor, keyed.id)
    assert mine.get_received() == []  # pinning an unfeatured entry is the blog's news only


def test_editing_a_featured_entry_updates_the_hub_card(hubs, event, editor, make_blog, make_entry):
    mine, theirs = hubs
    entry = make_entry(make_blog(event), source="Draft price")
    actions.feature_on_hub(editor, event.id, entry_id=entry.id)
    mine.get_received()
    actions.edit_entry(editor, entry.id, entry.version, actions.EntryInput(source="€1,099"))
    card = only(mine, theirs, "hub_features_changed", event)["features"][0]["entry"]
    assert "€1,099" in card["html"] and card["version"] == 2

    actions.retract_entry(editor, entry.id)
    assert only(mine, theirs, "hub_features_changed", event)["features"] == []


def test_ending_a_featured_blog_updates_its_card(hubs, event, editor, make_blog):
    mine, theirs = hubs
    blog = make_blog(event)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id)
    mine.get_received()
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    received = mine.get_received()
    assert [m["name"] for m in received] == ["blog_status_changed", "hub_features_changed"]
    assert received[1]["args"][0]["features"][0]["blog"]["status"] == "ended"
    assert theirs.get_received() == []


def test_a_blog_made_outside_the_desk_reaches_the_hub(hubs, event):
    mine, theirs = hubs
    blog = actions.create_blog(event, "hall-3", "Hall 3 floor walk")
    assert only(mine, theirs, "blog_changed", event)["blog"]["id"] == blog.id


def test_snapshot_is_what_the_stream_last_sent(event, editor, make_blog, make_entry):
    blog = make_blog(event)
    entry = make_entry(blog, source="Key", is_key=True)
    actions.feature_on_hub(editor, event.id, entry_id=entry.id, lead=True)
    actions.set_hub_summary(editor, event.id, "*Now*")
    actions.save_session(editor, event.id, None, session_input())
    state = hub_payloads.snapshot(fresh(Event, event.id))
    assert state["lead"] == hub_payloads.last_payload(event.id, "hub_features_changed")["lead"]
    assert (
        state["key_moments"]
        == hub_payloads.last_payload(event.id, "key_moments_changed")["key_moments"]
    )
    assert state["summary_html"] == "<p><em>Now</em></p>"
    assert [b["id"] for b in state["blogs"]] == [blog.id]
    assert [s["title"] for s in state["agenda"]] == ["Keynote"]
    assert state["event"]["slug"] == "mwc"


def test_event_details_change_reaches_the_hub(hubs, event, editor):
    mine, theirs = hubs
    data = actions.EventInput(
        name="MWC 2027",
        slug="mwc",
        starts_on="2027-03-01",
        ends_on="2027-03-04",
        timezone="Europe/Madrid",
        venue="Fira Gran Via",
        city="Barcelona",
    )
    actions.save_event(editor, event.id, data)
    card = only(mine, theirs, "event_changed", event)
    assert card["name"] == "MWC 2027" and card["venue"] == "Fira Gran Via"
    assert audited("event.edit") == 1


def test_unfollow_event_stops_delivery(hubs, event, editor):
    mine, _ = hubs
    assert mine.emit("unfollow_event", {"event_id": event.id}, callback=True) == {"ok": True}
    actions.set_hub_summary(editor, event.id, "Quiet")
    assert mine.get_received() == []


@pytest.mark.parametrize(
    "data",
    [None, {}, {"event_id": "1"}, {"event_id": 0}, {"event_id": 1, "since": -1}, {"event_id": 99}],
)
def test_follow_event_refuses_bad_input(reader, event, data):
    ack = reader().emit("follow_event", data, callback=True)
    assert ack["ok"] is False


# ---- replay: the same cursor over the socket and over HTTP ---------------------------


def _write_some_hub_changes(event, editor, make_blog):
    blog = make_blog(event)
    actions.set_hub_summary(editor, event.id, "One")
    actions.feature_on_hub(editor, event.id, blog_id=blog.id)
    actions.save_session(editor, event.id, None, session_input())
    actions.set_hub_summary(editor, event.id, "Two")


def test_follow_event_replays_exactly_what_was_missed(reader, event, editor, make_blog):
    _write_some_hub_changes(event, editor, make_blog)
    head = fresh(Event, event.id).last_seq
    seqs = list(db.session.scalars(select(EventChange.seq).where(EventChange.event_id == event.id)))
    assert sorted(seqs) == list(range(1, head + 1))  # gapless

    sio = reader()
    ack = sio.emit("follow_event", {"event_id": event.id, "since": 2}, callback=True)
    assert ack == {"ok": True, "last_seq": head, "reconnect_window_ms": 5000}
    replayed = [(m["args"][0]["seq"], m["name"]) for m in sio.get_received()]
    assert [s for s, _ in replayed] == list(range(3, head + 1))
    assert replayed[-1][1] == "hub_summary_changed"

    actions.set_hub_summary(editor, event.id, "Three")  # live changes follow the replay
    assert [m["args"][0]["seq"] for m in sio.get_received()] == [head + 1]


def test_http_cursor_matches_the_socket(client, reader, event, editor, make_blog):
    _write_some_hub_changes(event, editor, make_blog)
    sio = reader()
    sio.emit("follow_event", {"event_id": event.id, "since": 1}, callback=True)
    by_socket = [m["args"][0] for m in sio.get_received()]
    body = client.get(f"/api/v1/events/{event.id}/changes?since=1").get_json()
    assert body["changes"] == by_socket and body["more"] is False
    assert body["last_seq"] == fresh(Event, event.id).last_seq
    assert client.get(f"/api/v1/events/{event.id}/changes?since=-1").status_code == 422
    assert client.get("/api/v1/events/999/changes").status_code == 404


def test_concurrent_curation_and_blog_writes_keep_the_hub_exact(
    app, event, editor, make_blog, make_entry
):
    """Hub writers and blog writers on one event: no deadlock, gapless seqs, a true head."""
    blogs = [make_blog(event), make_blog(event)]
    entries = [make_entry(b, source=f"update {n}") for n, b in enumerate(blogs * 2)]
    rounds = 6

    def toggle_key(i):
        for n in range(rounds):
            actions.mark_key_entry(editor, entries[i].id, n % 2 == 0)

    def feature(i):
        for _ in range(rounds):
            feature = actions.feature_on_hub(editor, event.id, entry_id=entries[i].id)
            actions.unfeature(editor, event.id, feature.id)
            actions.feature_on_hub(editor, event.id, entry_id=entries[i].id)
            actions.unfeature(editor, event.id, _feature_of(entries[i].id))

    def settings(i):
        for n in range(rounds):
            data = actions.BlogInput(title=f"Title {n}", default_order="newest")
            actions.save_blog(editor, event.id, blogs[i % 2].id, data)
            actions.set_hub_summary(editor, event.id, f"Summary {i}.{n}")

    def work(i):
        [toggle_key, toggle_key, feature, settings][i](i if i < 2 else i - 2)

    run_threads(app, work, 4)
    db.session.remove()
    head = fresh(Event, event.id)
    seqs = db.session.scalars(select(EventChange.seq).where(EventChange.event_id == event.id))
    assert sorted(seqs) == list(range(1, head.last_seq + 1))
    # What the hub was last sent is what it would be sent now.
    assert hub_payloads.last_payload(
        event.id, "hub_features_changed"
    ) == hub_payloads.features_payload(head)
    assert hub_payloads.last_payload(
        event.id, "key_moments_changed"
    ) == hub_payloads.key_moments_payload(head)
    assert (
        hub_payloads.last_payload(event.id, "hub_summary_changed")["summary_html"]
        == head.summary_html
    )


def _feature_of(entry_id: int) -> int:
    return db.session.scalar(select(HubFeature.id).where(HubFeature.entry_id == entry_id))


def run_threads(app, target, count):
    """Run target(i) in count threads, each in its own app context; re-raise failures."""
    errors = []

    def wrapped(i):
        try:
            with app.app_context():
                target(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors


# ---- refusals: roles, forged ids, bad input, ended blogs ---------------------------------


def test_only_editors_curate(event, make_user, make_blog):
    blog = make_blog(event)
    reporter = make_user(Role.REPORTER, events=[event])
    before = snapshot()
    attempts = [
        lambda: actions.set_hub_summary(reporter, event.id, "Mine now"),
        lambda: actions.feature_on_hub(reporter, event.id, blog_id=blog.id),
        lambda: actions.save_session(reporter, event.id, None, session_input()),
        lambda: actions.save_blog(reporter, event.id, blog.id, actions.BlogInput(title="X")),
        lambda: actions.save_event(reporter, None, actions.EventInput(name="Mine", slug="mine")),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()
    assert snapshot() == before


def test_ids_of_another_event_are_not_found(event, other, editor, make_blog, make_entry):
    theirs_blog = make_blog(other)
    theirs_entry = make_entry(theirs_blog)
    theirs_feature = actions.feature_on_hub(editor, other.id, blog_id=theirs_blog.id)
    theirs_session = actions.save_session(
        editor, other.id, None, session_input(starts_at="2027-03-02T10:00")
    )
    theirs_speaker = actions.add_speaker(other, "Someone Else")
    mine_blog = make_blog(event)
    before = snapshot()
    attempts = [
        lambda: actions.feature_on_hub(editor, event.id, blog_id=theirs_blog.id),
        lambda: actions.feature_on_hub(editor, event.id, entry_id=theirs_entry.id),
        lambda: actions.unfeature(editor, event.id, theirs_feature.id),
        lambda: actions.set_lead_feature(editor, event.id, theirs_feature.id),
        lambda: actions.save_session(editor, event.id, theirs_session.id, session_input()),
        lambda: actions.remove_session(editor, event.id, theirs_session.id),
        lambda: actions.save_session(
            editor, event.id, None, session_input(speaker_ids=[theirs_speaker.id])
        ),
        lambda: actions.save_blog(editor, event.id, theirs_blog.id, actions.BlogInput(title="X")),
        lambda: actions.save_blog(
            editor,
            event.id,
            mine_blog.id,
            actions.BlogInput(title="X", session_id=theirs_session.id),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert snapshot() == before


def test_cover_must_be_an_image_of_the_event(event, other, editor):
    media = Media(
        event_id=other.id,
        uploader_id=editor.id,
        storage_key="k1",
        content_type="image/webp",
        width=10,
        height=10,
        alt="A stage",
    )
    db.session.add(media)
    db.session.commit()
    data = actions.EventInput(
        name="MWC",
        slug="mwc",
        starts_on="2027-03-01",
        ends_on="2027-03-04",
        timezone="Europe/Madrid",
        cover_media_id=str(media.id),
    )
    with pytest.raises(NotFound):
        actions.save_event(editor, event.id, data)
    media.event_id = event.id
    db.session.commit()
    assert actions.save_event(editor, event.id, data).cover_media_id == media.id


def test_duplicate_slugs_are_refused(event, other, editor, make_blog):
    base = dict(starts_on="2027-03-01", ends_on="2027-03-02", timezone="UTC")
    with pytest.raises(Invalid) as refused:
        actions.save_event(editor, None, actions.EventInput(name="Again", slug="mwc", **base))
    assert "slug" in refused.value.fields
    with pytest.raises(Invalid):
        actions.save_event(editor, other.id, actions.EventInput(name="CES", slug="mwc", **base))
    actions.save_blog(editor, event.id, None, actions.BlogInput(title="A", slug="keynote"))
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.save_blog(editor, event.id, None, actions.BlogInput(title="B", slug="keynote"))
    assert "slug" in refused.value.fields
    assert snapshot() == before
    # The same blog slug in another event is fine.
    actions.save_blog(editor, other.id, None, actions.BlogInput(title="C", slug="keynote"))


@pytest.mark.parametrize(
    "times, field",
    [
        (("2027-03-02T11:00", "2027-03-02T10:00"), "ends_at"),
        (("2027-03-02T10:00", "2027-03-02T10:00"), "ends_at"),
        (("2027-02-28T23:00", "2027-03-01T01:00"), "starts_at"),
        (("2027-03-04T23:00", "2027-03-05T00:30"), "starts_at"),
        (("tomorrow", "2027-03-02T10:00"), "starts_at"),
        (("", "2027-03-02T10:00"), "starts_at"),
    ],
)
def test_invalid_session_times_are_refused(event, editor, times, field):
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.save_session(
            editor, event.id, None, session_input(starts_at=times[0], ends_at=times[1])
        )
    assert field in refused.value.fields
    assert snapshot() == before


def test_a_time_skipped_by_daylight_saving_is_refused(make_event, editor):
    spring = make_event(starts_on=date(2027, 3, 27), ends_on=date(2027, 3, 29))
    data = session_input(starts_at="2027-03-28T02:30", ends_at="2027-03-28T04:00")
    with pytest.raises(Invalid) as refused:
        actions.save_session(editor, spring.id, None, data)
    assert "clocks change" in refused.value.fields["starts_at"]
    data = session_input(starts_at="2027-03-28T01:30", ends_at="2027-03-28T03:30")
    session = actions.save_session(editor, spring.id, None, data)
    # 01:30 CET and 03:30 CEST are one hour apart in real time.
    assert session.ends_at - session.starts_at == datetime(1, 1, 1, 1) - datetime(1, 1, 1)
    assert session.starts_at == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)


def test_event_dates_cannot_leave_a_session_outside(event, editor):
    actions.save_session(
        editor,
        event.id,
        None,
        session_input(starts_at="2027-03-04T10:00", ends_at="2027-03-04T11:00"),
    )
    shorter = actions.EventInput(
        name="MWC",
        slug="mwc",
        starts_on="2027-03-01",
        ends_on="2027-03-03",
        timezone="Europe/Madrid",
    )
    with pytest.raises(Invalid):
        actions.save_event(editor, event.id, shorter)
    assert fresh(Event, event.id).ends_on == date(2027, 3, 4)


def test_a_session_with_a_blog_is_not_removed(event, editor):
    session = actions.save_session(editor, event.id, None, session_input())
    data = actions.BlogInput(title="Keynote", slug="keynote", session_id=str(session.id))
    blog = actions.save_blog(editor, event.id, None, data)
    assert blog.session_id == session.id
    with pytest.raises(Invalid):
        actions.remove_session(editor, event.id, session.id)
    assert fresh(AgendaSession, session.id) is not None


def test_an_ended_blog_is_a_read_only_archive(event, editor, make_blog, make_entry):
    blog = make_blog(event)
    entry = make_entry(blog)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    before = snapshot()
    with pytest.raises(Invalid):
        actions.save_blog(editor, event.id, blog.id, actions.BlogInput(title="Renamed"))
    with pytest.raises(Invalid):
        actions.pin_entry(editor, entry.id)
    with pytest.raises(Invalid):
        actions.set_blog_status(editor, blog.id, BlogStatus.SCHEDULED)
    assert snapshot() == before
    # Its coverage can still be featured: the archive is worth reading.
    actions.feature_on_hub(editor, event.id, blog_id=blog.id)


def test_feature_rules(event, editor, make_blog, make_entry):
    blog = make_blog(event)
    draft, _ = actions.post_entry(
        editor,
        blog.id,
        actions.EntryInput(source="Later"),
        "draft-key-0001",
        actions.Placement(mode="draft"),
    )
    with pytest.raises(Invalid):
        actions.feature_on_hub(editor, event.id, entry_id=draft.id)
    with pytest.raises(Invalid):
        actions.feature_on_hub(editor, event.id)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id)
    with pytest.raises(Invalid):
        actions.feature_on_hub(editor, event.id, blog_id=blog.id)
    with pytest.raises(Invalid):
        actions.reorder_features(editor, event.id, [])


def test_summary_length_is_capped(event, editor):
    with pytest.raises(Invalid):
        actions.set_hub_summary(editor, event.id, "x" * 3_001)
    assert fresh(Event, event.id).summary_source == ""


# ---- the browser desk over HTTP ---------------------------------------------------------


@pytest.fixture
def desk(client, editor):
    login(client, editor)
    return client


def post(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def test_desk_pages_need_an_editor(client, event, make_user):
    assert client.get("/curate/").status_code == 302
    login(client, make_user(Role.REPORTER, events=[event]))
    assert client.get("/curate/").status_code == 403
    assert client.get(f"/curate/events/{event.id}/").status_code == 403
    page = "/desk/"
    response = post(client, f"/curate/events/{event.id}/summary", {"summary": "x"}, page)
    assert response.status_code == 403


def test_writes_need_a_csrf_token(desk, event):
    response = desk.post(f"/curate/events/{event.id}/summary", data={"summary": "x"})
    assert response.status_code == 400
    assert fresh(Event, event.id).summary_source == ""


def test_create_an_event_and_a_blog_in_the_browser(desk):
    data = {
        "name": "IFA",
        "slug": "ifa-2027",
        "starts_on": "2027-09-03",
        "ends_on": "2027-09-07",
        "timezone": "Europe/Berlin",
        "venue": "Messe",
        "city": "Berlin",
    }
    response = post(desk, "/curate/events/new", data, "/curate/events/new")
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "ifa-2027"))
    assert event.timezone == "Europe/Berlin" and event.city == "Berlin"
    page = f"/curate/events/{event.id}/blogs/new"
    blog_data = {"title": "Keynote", "slug": "keynote", "default_order": "oldest"}
    response = post(desk, page, blog_data, page)
    blog = db.session.scalar(select(LiveBlog).where(LiveBlog.event_id == event.id))
    assert response.status_code == 302 and blog.default_order == "oldest"
    assert blog.status == BlogStatus.SCHEDULED
    status_path = f"/curate/events/{event.id}/blogs/{blog.id}/status"
    post(desk, status_path, {"status": "live"}, f"/curate/events/{event.id}/")
    assert fresh(LiveBlog, blog.id).status == BlogStatus.LIVE


def test_a_refused_form_keeps_what_was_typed(desk, event):
    page = f"/curate/events/{event.id}/sessions/new"
    data = {"title": "Panel: open RAN", "stage": "Hall 4", "starts_at": "2027-03-02T12:00"}
    response = post(desk, page, {**data, "ends_at": "2027-03-02T11:00"}, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Panel: open RAN"' in html and 'value="2027-03-02T12:00"' in html
    assert "The end must be after the start." in html
    assert db.session.scalar(select(func.count()).select_from(AgendaSession)) == 0

    response = post(
        desk, "/curate/events/new", {"name": "Dup", "slug": "mwc"}, "/curate/events/new"
    )
    assert response.status_code == 422 and 'value="Dup"' in response.get_data(as_text=True)


def test_session_times_round_trip_in_the_event_timezone(desk, event):
    page = f"/curate/events/{event.id}/sessions/new"
    data = {"title": "Keynote", "starts_at": "2027-03-02T10:00", "ends_at": "2027-03-02T11:30"}
    assert post(desk, page, data, page).status_code == 302
    session = db.session.scalar(select(AgendaSession))
    assert session.starts_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    edit = desk.get(f"/curate/events/{event.id}/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="2027-03-02T10:00"' in edit and 'value="2027-03-02T11:30"' in edit


def test_curating_through_the_desk(desk, event, make_blog, make_entry, reader):
    blog = make_blog(event)
    entry = make_entry(blog, headline="Launch")
    sio = reader()
    hub_follow(sio, event)
    page = f"/curate/events/{event.id}/"
    blog_page = f"/curate/events/{event.id}/blogs/{blog.id}/"
    post(desk, f"{page}summary", {"summary": "Today: **launches**"}, page)
    post(desk, f"{page}features", {"entry_id": str(entry.id), "lead": "on"}, blog_page)
    post(desk, f"{blog_page}entries/{entry.id}/pin", {}, blog_page)
    post(desk, f"{blog_page}entries/{entry.id}/key", {}, blog_page)
    settings = {"title": "Renamed", "default_order": "oldest"}
    assert post(desk, blog_page, settings, blog_page).status_code == 302
    names = [m["name"] for m in sio.get_received()]
    assert names == [
        "hub_summary_changed",
        "hub_features_changed",
        "hub_features_changed",  # the pinned badge shows on the featured card
        "hub_features_changed",  # and so does the key moment badge
        "key_moments_changed",
        "blog_changed",
        "hub_features_changed",  # the card carries the blog's new title
    ]
    stored = fresh(LiveBlog, blog.id)
    assert (stored.title, stored.default_order) == ("Renamed", "oldest")
    html = desk.get(page).get_data(as_text=True)
    assert "<strong>launches</strong>" in html and "Launch" in html


def test_forged_ids_in_urls_and_forms_are_refused(
    desk, event, other, editor, make_blog, make_entry
):
    mine = make_blog(event)
    theirs = make_blog(other)
    their_entry = make_entry(theirs)
    their_feature = actions.feature_on_hub(editor, other.id, blog_id=theirs.id)
    page = f"/curate/events/{event.id}/"
    before = snapshot()
    forged = [
        (f"{page}features", {"blog_id": str(theirs.id)}),
        (f"{page}features", {"entry_id": str(their_entry.id)}),
        (f"{page}features/{their_feature.id}/remove", {}),
        (f"{page}lead", {"feature_id": str(their_feature.id)}),
        (f"{page}blogs/{theirs.id}/status", {"status": "ended"}),
        (f"{page}blogs/{theirs.id}/", {"title": "Mine now", "default_order": "newest"}),
        (f"{page}blogs/{mine.id}/entries/{their_entry.id}/pin", {}),
        (f"/curate/events/{event.id}/features/{their_feature.id}/up", {}),
    ]
    for path, data in forged:
        response = post(desk, path, data, page)
        assert response.status_code in (403, 404), (path, response.status_code)
    assert desk.get(f"{page}blogs/{theirs.id}/").status_code == 404
    assert desk.get("/curate/events/999/").status_code == 404
    assert snapshot() == before


def test_ended_blog_screen_offers_the_archive_only(desk, event, editor, make_blog, make_entry):
    blog = make_blog(event)
    make_entry(blog)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    html = desk.get(f"/curate/events/{event.id}/blogs/{blog.id}/").get_data(as_text=True)
    assert "read-only archive" in html and 'id="blog-form"' not in html
    assert not re.search(r'data-action="(pin|key)"', html)
