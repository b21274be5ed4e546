"""Bad input gets a clear 4xx (or an error acknowledgement) and changes nothing: never a 500."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from xml.etree import ElementTree

import pytest
from conftest import api_headers, csrf_token, login
from limits_support import set_limits

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions
from blog.models import ApiToken, EmbargoBatch, Entry, Media, Role, Speaker, User
from blog.platform import db
from blog.platform.extensions import socketio

HUGE = 2**63
DIRTY = "Ana\u202eRuiz\x00\x07 \u2066Jr\u2069"


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Each request in its own context, as in production."""
    app.test_client_class = IsolatedClient


@pytest.fixture
def desk(app, reporter):
    client = app.test_client()
    login(client, reporter)
    client.token = csrf_token(client, "/desk/")
    return client


def post_json(desk, path, body):
    return desk.post(path, json=body, headers={"X-CSRFToken": desk.token})


def count(model) -> int:
    db.session.commit()
    return db.session.query(model).count()


# ---- far-off times ------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["9999-12-31T23:59+00:00", "1999-12-31T23:59"])
def test_out_of_range_batch_times_are_refused_and_the_desk_still_opens(desk, blog, when):
    form = {"name": "Launch", "release_at": when, "csrf_token": desk.token}
    response = desk.post(f"/desk/blogs/{blog.id}/batches", data=form)
    assert response.status_code == 422
    assert count(EmbargoBatch) == 0
    assert desk.get(f"/desk/blogs/{blog.id}").status_code == 200


def test_far_off_schedule_is_refused(desk, blog):
    body = {
        "source": "Later",
        "idempotency_key": uuid.uuid4().hex,
        "mode": "schedule",
        "publish_at": "9999-12-31T23:59+00:00",
    }
    response = post_json(desk, f"/desk/blogs/{blog.id}/entries", body)
    assert response.status_code == 422
    assert "too far ahead" in response.get_json()["error"]
    assert count(Entry) == 0


# ---- names are cleaned and capped ---------------------------------------------------------


def test_speaker_names_are_cleaned_and_feeds_stay_xml(app, client, desk, blog, make_entry):
    response = post_json(
        desk,
        f"/desk/events/{blog.event_id}/speakers",
        {"name": DIRTY, "title": "CTO\x1b", "organization": "Acme\u202e"},
    )
    assert response.status_code == 201
    speaker = db.session.get(Speaker, response.get_json()["id"])
    assert speaker.name == "AnaRuiz Jr" and speaker.title == "CTO"
    assert speaker.organization.name == "Acme"
    make_entry(blog, source="Networks heal.", kind="quote", speaker_id=speaker.id)
    feed = client.get(f"/e/{blog.event.slug}/{blog.slug}/feed.atom")
    ElementTree.fromstring(feed.get_data())  # well-formed XML


def test_a_100_kb_speaker_name_is_refused(desk, blog):
    response = post_json(desk, f"/desk/events/{blog.event_id}/speakers", {"name": "x" * 100_000})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"name": "too long"}
    assert count(Speaker) == 0


def test_batch_and_display_names_are_cleaned(app, blog, reporter, editor):
    batch = actions.create_batch(reporter, blog.id, "Fold\x00 \u202especs\x07")
    assert batch.name == "Fold specs"
    email = f"{uuid.uuid4().hex}@example.test"
    actions.invite_user(editor, email, DIRTY, Role.REPORTER)
    assert db.session.query(User).filter_by(email=email).one().name == "AnaRuiz Jr"
    actions.create_api_token(reporter, "bridge\x00 \u202eone")
    assert db.session.query(ApiToken).filter_by(user_id=reporter.id).one().name == "bridge one"


def test_roster_additions_count_against_the_post_limit(app, desk, blog):
    set_limits(app, post_account=(2, 60))
    path = f"/desk/events/{blog.event_id}/speakers"
    answers = [post_json(desk, path, {"name": f"Voice {n}"}).status_code for n in range(3)]
    assert answers == [201, 201, 429]
    assert count(Speaker) == 2


# ---- malformed bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("tags", [5, 1.5, {"a": 1}, [["x"]]])
@pytest.mark.parametrize("route", ["entries", "preview"])
def test_desk_tags_of_the_wrong_type_are_422(desk, blog, tags, route):
    body = {"source": "Tags", "idempotency_key": uuid.uuid4().hex, "tags": tags}
    response = post_json(desk, f"/desk/blogs/{blog.id}/{route}", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "tags" in response.get_json()["fields"]
    assert count(Entry) == 0


@pytest.mark.parametrize("base", ["abc", [1], {"v": 1}, True, None])
def test_desk_update_with_a_mangled_base_version_is_422(desk, blog, reporter, make_entry, base):
    entry = make_entry(blog, author=reporter)
    body = {"source": "Changed", "base_version": base}
    response = post_json(desk, f"/desk/entries/{entry.id}", body)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"base_version": "not an integer"}
    assert db.session.get(Entry, entry.id, populate_existing=True).source != "Changed"


def test_deeply_nested_api_body_is_refused(client, blog, reporter):
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        data="[" * 100_000,
        headers={**api_headers(reporter), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.get_json()["error"]


def test_deeply_nested_desk_body_is_refused(desk, blog):
    response = desk.post(
        f"/desk/blogs/{blog.id}/entries",
        data="[" * 100_000,
        headers={"X-CSRFToken": desk.token, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("field", ["source", "headline", "idempotency_key"])
def test_lone_surrogates_are_refused(client, desk, blog, reporter, field):
    body = {"source": "ok", "idempotency_key": uuid.uuid4().hex}
    raw = f'{{"{field}": "x\\udfff"' + "".join(
        f', "{k}": "{v}"' for k, v in body.items() if k != field
    )
    raw += "}"
    api = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        data=raw,
        headers={**api_headers(reporter), "Content-Type": "application/json"},
    )
    assert api.status_code == 422 and "Unicode" in api.get_json()["error"]
    on_desk = desk.post(
        f"/desk/blogs/{blog.id}/entries",
        data=raw,
        headers={"X-CSRFToken": desk.token, "Content-Type": "application/json"},
    )
    assert on_desk.status_code == 422
    assert count(Entry) == 0


# ---- socket ids past the database's range -------------------------------------------------


@pytest.mark.parametrize(
    "name, payload",
    [
        ("follow", {"blog_id": HUGE, "since": 0}),
        ("follow", {"blog_id": 1, "since": HUGE}),
        ("follow_event", {"event_id": HUGE, "since": 0}),
        ("follow_event", {"event_id": 1, "since": HUGE}),
        ("review_follow", {"event_id": HUGE}),
        ("join_desk", {"blog_id": HUGE}),
    ],
)
def test_socket_ids_too_large_get_an_error_ack(app, desk, blog, name, payload):
    sio = socketio.test_client(app, flask_test_client=desk)
    try:
        ack = sio.emit(name, payload, callback=True)
        assert isinstance(ack, dict) and ack["ok"] is False, ack
        rooms = socketio.server.manager.rooms.get("/", {})
        assert not [room for room in rooms if str(HUGE) in str(room)]  # no junk room joined
    finally:
        sio.disconnect()


# ---- photos that decode to too much memory ------------------------------------------------


def png_header_only(width: int, height: int, bit_depth: int, colour_type: int) -> bytes:
    """A small PNG whose header promises a large image (its pixel data is all zeros)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    row = b"\x00" * (1 + width * 8)
    pixels = zlib.compress(row * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


def test_a_16_bit_rgba_png_too_large_once_decoded_is_refused(desk, blog):
    data = png_header_only(7000, 7000, 16, 6)
    assert len(data) < 200_000
    form = {"blog_id": str(blog.id), "alt": "A poster", "file": (io.BytesIO(data), "p.png")}
    response = desk.post("/desk/media", data=form, headers={"X-CSRFToken": desk.token})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "once decoded" in response.get_json()["error"]
    assert count(Media) == 0
