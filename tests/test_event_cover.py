"""An event's cover image: uploaded from the event form, shown on the hub, pushed to open hubs."""

from __future__ import annotations

import io
import re

import pytest
from conftest import csrf_token, login
from PIL import Image
from sqlalchemy import func, select

from blog.models import Event, Media
from blog.platform import db


@pytest.fixture
def event(make_event):
    return make_event(slug="frontier", name="Frontier Expo", venue="Hall 8", city="Lyon")


@pytest.fixture
def desk(client, editor):
    login(client, editor)
    return client


def jpeg(width: int = 1200, height: int = 600) -> io.BytesIO:
    """A real JPEG the pipeline accepts."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(out, "JPEG")
    out.seek(0)
    return out


def event_form(event: Event, **extra) -> dict:
    """The event form as the browser sends it, details unchanged."""
    return {
        "name": event.name,
        "slug": event.slug,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "venue": event.venue,
        "city": event.city,
        "description": event.description or "",
        "cover": "",
        **extra,
    }


def post_form(desk, event: Event, **extra):
    path = f"/curate/events/{event.id}/edit"
    data = {"csrf_token": csrf_token(desk, path), **event_form(event, **extra)}
    return desk.post(path, data=data, content_type="multipart/form-data")


def fresh_event(event_id: int) -> Event:
    return db.session.get(Event, event_id, populate_existing=True)


def media_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Media))


def test_uploaded_cover_shows_on_the_hub_and_reaches_open_hubs(desk, event, reader):
    hub = reader()
    since = fresh_event(event.id).last_seq
    assert hub.emit("follow_event", {"event_id": event.id, "since": since}, callback=True)["ok"]
    hub.get_received()

    reply = post_form(
        desk,
        event,
        cover_file=(jpeg(), "stage.jpg"),
        cover_alt="The main stage",
        cover_credit="Ana",
    )

    assert reply.status_code == 302, reply.get_data(as_text=True)
    cover_id = fresh_event(event.id).cover_media_id
    assert cover_id is not None
    pushed = [m for m in hub.get_received() if m["name"] == "event_changed"]
    assert len(pushed) == 1
    cover = pushed[0]["args"][0]["cover"]
    assert cover["alt"] == "The main stage" and cover["credit"] == "Ana"
    assert cover["src"].startswith("/media/") and " 480w" in cover["srcset"]
    page = desk.get("/e/frontier/").get_data(as_text=True)
    assert f'src="{cover["src"]}"' in page and 'alt="The main stage"' in page
    og = re.search(r'<meta property="og:image" content="([^"]+)">', page)
    assert og and og.group(1).endswith(cover["src"]) and og.group(1).startswith("http")
    assert 'content="summary_large_image"' in page


def test_hub_without_cover_hides_the_figure(client, event):
    page = client.get("/e/frontier/").get_data(as_text=True)
    assert '<figure class="hub__cover" id="hub-cover" hidden>' in page
    assert "og:image" not in page


@pytest.mark.parametrize(
    ("upload", "alt", "field", "says"),
    [
        (lambda: (jpeg(), "stage.jpg"), "", "cover_alt", "alt"),
        (lambda: (io.BytesIO(b"<svg onload=alert(1)>"), "x.jpg"), "A stage", "cover_file", ""),
    ],
    ids=["no alt text", "not an image"],
)
def test_refused_cover_changes_nothing_and_says_why(desk, event, upload, alt, field, says):
    before = (media_count(), fresh_event(event.id).last_seq)

    reply = post_form(desk, event, cover_file=upload(), cover_alt=alt, name="Renamed")

    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="error-{field}">([^<]+)</p>', page)
    assert error, page
    assert says in error.group(1).lower()
    assert 'value="Renamed"' in page  # what was typed is kept
    assert (media_count(), fresh_event(event.id).last_seq) == before
    assert fresh_event(event.id).name == "Frontier Expo"


def test_cover_stays_picked_when_the_rest_of_the_form_is_refused(desk, event, make_event):
    make_event(slug="taken")

    reply = post_form(desk, event, cover_file=(jpeg(), "c.jpg"), cover_alt="Doors", slug="taken")

    assert reply.status_code == 422
    (photo_id,) = db.session.scalars(select(Media.id).where(Media.event_id == event.id))
    assert re.search(rf'<option value="{photo_id}" selected>', reply.get_data(as_text=True))
    assert fresh_event(event.id).cover_media_id is None
