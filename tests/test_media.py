"""Photos and link cards: the pipeline on real generated images, uploads, attaching, serving."""

from __future__ import annotations

import contextvars
import io
import struct
import time
import uuid
import zlib
from pathlib import Path

import pytest
from conftest import api_headers, csrf_token, login
from flask import render_template
from flask.testing import FlaskClient
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from blog import actions
from blog.content import photos
from blog.live import payloads
from blog.models import AuditRecord, Change, Entry, EntryKind, EntryRevision, Media, Role
from blog.platform import db
from blog.platform.errors import Forbidden, Invalid

# Markers hidden in the uploads' metadata; none may survive into a stored file.
SECRETS = (b"SECRET", b"SecretCam", b"Exif", b"EXIF", b"XMP", b"ICCP", b"8BIM", b"adobe")
RED, BLUE = (220, 20, 20), (20, 20, 220)


class IsolatedClient(FlaskClient):
    """Each request in its own context, g and db session, as in production."""

    def open(self, *args, **kwargs):
        db.session.remove()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def outsider(make_user, make_event):
    return make_user(Role.REPORTER, events=[make_event()])


# --- real generated images -------------------------------------------------


def camera_jpeg() -> bytes:
    """A phone photo held upright: stored 600×400 (top half red) with orientation 6.

    It carries EXIF with a maker and GPS position, XMP, an IPTC block, an ICC
    profile and a JPEG comment.
    """
    im = Image.new("RGB", (600, 400), BLUE)
    im.paste(RED, (0, 0, 600, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"
    exif.get_ifd(0x8825).update({1: "N", 2: (41.0, 21.0, 15.0), 3: "E", 4: (2.0, 9.0, 1.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>'
    im.save(out, "JPEG", exif=exif, xmp=xmp, comment=b"SECRET-COMMENT", icc_profile=icc)
    return _with_iptc(out.getvalue())


def _with_iptc(jpeg: bytes) -> bytes:
    """Insert a Photoshop APP13 segment holding an IPTC caption right after SOI."""
    record = b"\x1c\x02\x78" + struct.pack(">H", 11) + b"SECRET-IPTC"
    record += b"\x00" * (len(record) % 2)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record))
    body = b"Photoshop 3.0\x00" + resource + record
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def text_png() -> bytes:
    """A transparent PNG with text, iTXt XMP and eXIf chunks."""
    im = Image.new("RGBA", (1200, 300), (0, 128, 0, 0))
    im.paste((0, 128, 0, 255), (0, 0, 600, 300))
    info = PngInfo()
    info.add_text("Comment", "SECRET-PNG-TEXT")
    info.add_itxt("XML:com.adobe.xmp", "SECRET-XMP", zip=False)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    im.save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def animated_gif() -> bytes:
    """A two-frame GIF with a comment extension."""
    frames = [Image.new("P", (320, 240), 1), Image.new("P", (320, 240), 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"SECRET-GIF")
    return out.getvalue()


def tagged_webp() -> bytes:
    """A 2000 px wide WebP with EXIF (GPS) and XMP chunks."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif.get_ifd(0x8825).update({1: "N", 2: (41.0, 21.0, 15.0)})
    out = io.BytesIO()
    Image.new("RGB", (2000, 1000), RED).save(
        out, "WEBP", exif=exif, xmp=b"<x:xmpmeta>SECRET-XMP</x:xmpmeta>"
    )
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid 67-byte PNG whose header declares width × height pixels."""
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, "PNG")
    raw = bytearray(out.getvalue())
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


# --- helpers -----------------------------------------------------------------


def media_files(app) -> list[Path]:
    root = Path(app.instance_path) / "media"
    return sorted(root.iterdir()) if root.exists() else []


def media_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Media))


def upload(user, blog, data: bytes, alt: str = "A speaker on stage", **texts) -> Media:
    return actions.upload_media(user, blog.event_id, io.BytesIO(data), alt, **texts)


def assert_clean(path: Path) -> None:
    """No metadata: Pillow finds none and no marker survives in the bytes."""
    data = path.read_bytes()
    for marker in SECRETS:
        assert marker not in data, f"{marker!r} left in {path.name}"
    with Image.open(path) as im:
        assert im.format == "WEBP"
        assert not im.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(im.info)


def assert_nothing_written(app) -> None:
    assert media_count() == 0
    assert media_files(app) == []


def changes_received(sio) -> list[dict]:
    """Change-stream messages only (presence counts come and go on their own)."""
    return [m for m in sio.get_received() if m["name"] in payloads.CHANGE_TYPES]


def follow(sio, blog):
    ack = sio.emit("follow", {"blog_id": blog.id, "since": blog.last_seq}, callback=True)
    assert ack["ok"], ack
    sio.get_received()


def desk_upload(client, blog, data: bytes, name="photo.jpg", **fields):
    token = csrf_token(client, "/desk/")
    form = {"blog_id": str(blog.id), "alt": "Hall 3 at opening", **fields}
    form["file"] = (io.BytesIO(data), name)
    return client.post("/desk/media", data=form, headers={"X-CSRFToken": token})


# --- the pipeline --------------------------------------------------------------


def test_jpeg_is_oriented_stripped_and_sized(app, blog, reporter):
    photo = upload(reporter, blog, camera_jpeg(), caption="Opening", credit="Ana / Showfloor")
    assert (photo.width, photo.height) == (400, 600)  # turned upright
    assert photo.content_type == "image/jpeg"
    assert [(v["width"], v["height"]) for v in photo.variants] == [(400, 600)]
    files = media_files(app)
    assert [f.name for f in files] == [v["file"] for v in photo.variants]
    for path in files:
        assert_clean(path)
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            # The stored top (red) is on the right once the photo stands upright.
            left, right = rgb.getpixel((100, 300)), rgb.getpixel((300, 300))
            assert left[2] > 150 > left[0] and right[0] > 150 > right[2]


def test_large_photo_gets_three_web_sizes(app, blog, reporter):
    photo = upload(reporter, blog, tagged_webp())
    assert [(v["width"], v["height"]) for v in photo.variants] == [
        (480, 240),
        (960, 480),
        (1600, 800),
    ]
    assert sorted(f.name for f in media_files(app)) == sorted(v["file"] for v in photo.variants)
    for path in media_files(app):
        assert_clean(path)
        with Image.open(path) as im:
            assert im.width in (480, 960, 1600)


@pytest.mark.parametrize(
    ("data", "content_type", "mode"),
    [(text_png, "image/png", "RGBA"), (animated_gif, "image/gif", "RGB")],
    ids=["png", "gif"],
)
def test_png_and_gif_lose_their_metadata(app, blog, reporter, data, content_type, mode):
    photo = upload(reporter, blog, data())
    assert photo.content_type == content_type
    for path in media_files(app):
        assert_clean(path)
        with Image.open(path) as im:
            assert im.mode == mode


def test_storage_names_are_random_and_never_the_upload_name(app, client, blog, reporter):
    login(client, reporter)
    first = desk_upload(client, blog, camera_jpeg(), name="ceo-home-address.jpg").get_json()
    second = desk_upload(client, blog, camera_jpeg(), name="ceo-home-address.jpg").get_json()
    keys = {db.session.get(Media, i).storage_key for i in (first["id"], second["id"])}
    assert len(keys) == 2 and all(len(k) == 24 for k in keys)
    assert not any("ceo" in f.name for f in media_files(app))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (SVG, "SVG images are not accepted"),
        (HTML, "not a JPEG, PNG, WebP or GIF"),
        (b"", "The file is empty"),
        (camera_jpeg()[:300], "damaged or incomplete"),
        (png_bomb(), "too many pixels"),
        # Between 1× and 2× Pillow's limit, where Pillow itself would only warn.
        (png_bomb(8_000, 8_000), "too many pixels"),
    ],
    ids=["svg", "html-renamed-jpg", "empty", "truncated", "bomb", "bomb-under-2x"],
)
def test_refused_files_are_refused_fast_and_write_nothing(app, blog, reporter, data, message):
    started = time.perf_counter()
    with pytest.raises(Invalid) as refused:
        upload(reporter, blog, data)
    assert time.perf_counter() - started < 0.5
    assert message in refused.value.message
    assert "file" in refused.value.fields
    assert_nothing_written(app)


def test_oversized_file_is_refused_before_decoding(app, blog, reporter):
    app.config["MAX_UPLOAD_BYTES"] = 1024 * 1024
    big = camera_jpeg() + b"\0" * (1024 * 1024)
    with pytest.raises(Invalid, match="too large: at most 1 MB"):
        upload(reporter, blog, big)
    assert_nothing_written(app)


def test_alt_text_is_required(app, blog, reporter):
    with pytest.raises(Invalid) as refused:
        upload(reporter, blog, camera_jpeg(), alt="  \u200b ")
    assert "alt text" in refused.value.fields["alt"]
    assert_nothing_written(app)


def test_outsider_cannot_upload_to_an_event(app, blog, outsider):
    with pytest.raises(Forbidden):
        upload(outsider, blog, camera_jpeg())
    assert_nothing_written(app)


def test_image_work_leaves_the_gevent_loop_running(app):
    gevent = pytest.importorskip("gevent")
    app.config["ASYNC_MODE"] = "gevent"
    ticks = []

    def ticker():
        while True:
            ticks.append(time.perf_counter())
            gevent.sleep(0.002)

    data = tagged_webp()
    beat = gevent.spawn(ticker)
    try:
        image = photos.run_image_work(photos.clean_image, data)
    finally:
        beat.kill()
    assert len(image.variants) == 3
    # The hub kept serving other greenlets while a native thread did the work.
    assert len(ticks) >= 5


# --- attaching and pushing --------------------------------------------------------


def test_placeholder_then_attach_pushes_one_edit(make_blog, make_entry, reader, blog, reporter):
    other = make_blog()
    mine, theirs = reader(), reader()
    follow(mine, blog)
    follow(theirs, other)
    entry = make_entry(blog, reporter, source="Keynote starts", kind="image")
    assert "Photo coming…" in changes_received(mine)[0]["args"][0]["html"]
    photo = upload(reporter, blog, camera_jpeg(), caption="On stage", credit="Ana")

    attached = actions.attach_media(reporter, entry.id, photo.id)

    received = changes_received(mine)
    assert [m["name"] for m in received] == ["entry_edited"]
    assert changes_received(theirs) == []
    html = received[0]["args"][0]["html"]
    assert 'alt="A speaker on stage"' in html and "Photo coming" not in html
    assert f"/media/{photo.variants[0]['file']} 400w" in html and 'loading="lazy"' in html
    assert "<figcaption>On stage" in html and "Photo: Ana" in html
    assert attached.version == 2 and attached.media_id == photo.id
    revision = db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry.id))
    assert revision.version == 1 and revision.media_id is None
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "entry.attach_media"))


def edited_mark(client, blog, entry_id) -> bool:
    """Whether readers' blog page marks the entry "edited"."""
    page = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    article = page[page.index(f'id="entry-{entry_id}"') :]
    return 'class="entry__edited"' in article[: article.index("</article>")]


def test_the_photo_announced_with_the_text_is_not_an_edit_to_readers(
    client, make_entry, blog, reporter, reader
):
    mine = reader()
    follow(mine, blog)
    entry = make_entry(blog, reporter, source="Keynote starts", kind="image")
    attached = actions.attach_media(reporter, entry.id, upload(reporter, blog, camera_jpeg()).id)
    assert attached.updated_at == attached.published_at
    pushed = changes_received(mine)[-1]["args"][0]
    assert pushed["type"] == "entry_edited" and "entry__edited" not in pushed["html"]
    assert not edited_mark(client, blog, entry.id)
    # Another photo in its place is a change readers are told about.
    actions.attach_media(reporter, entry.id, upload(reporter, blog, animated_gif()).id)
    assert edited_mark(client, blog, entry.id)


def test_a_photo_added_to_a_text_entry_is_an_edit(client, make_entry, blog, reporter):
    entry = make_entry(blog, reporter, source="Doors open")
    actions.attach_media(reporter, entry.id, upload(reporter, blog, camera_jpeg()).id)
    assert edited_mark(client, blog, entry.id)


def test_attaching_the_same_photo_again_changes_nothing(make_entry, blog, reporter):
    entry = make_entry(blog, reporter, kind="image")
    photo = upload(reporter, blog, animated_gif())
    actions.attach_media(reporter, entry.id, photo.id)
    changes = db.session.scalar(select(func.count()).select_from(Change))
    again = actions.attach_media(reporter, entry.id, photo.id)
    assert again.version == 2
    assert db.session.scalar(select(func.count()).select_from(Change)) == changes


def test_attach_refuses_foreign_photos_other_peoples_entries_and_quotes(
    make_blog, make_entry, make_user, blog, reporter, outsider
):
    entry = make_entry(blog, reporter, kind="image")
    foreign = upload(outsider, make_blog(outsider.events[0]), text_png())
    with pytest.raises(Invalid, match="not uploaded to this event"):
        actions.attach_media(reporter, entry.id, foreign.id)
    colleague = make_user(Role.REPORTER, events=[blog.event])
    photo = upload(colleague, blog, text_png())
    for stranger in (outsider, colleague):
        with pytest.raises(Forbidden):
            actions.attach_media(stranger, entry.id, photo.id)
    speaker = actions.add_speaker(blog.event, "Ada Lovelace")
    quote = make_entry(blog, reporter, source="Hello", kind="quote", speaker_id=speaker.id)
    with pytest.raises(Invalid, match="Only text and photo entries can carry a photo"):
        actions.attach_media(reporter, quote.id, photo.id)
    assert db.session.get(Entry, entry.id, populate_existing=True).version == 1
    assert db.session.scalar(select(func.count()).select_from(EntryRevision)) == 0


def test_image_entry_needs_a_photo_of_the_same_event(
    make_blog, make_entry, blog, reporter, outsider
):
    foreign = upload(outsider, make_blog(outsider.events[0]), text_png())
    with pytest.raises(Invalid) as refused:
        make_entry(blog, reporter, kind="image", media_id=foreign.id)
    assert "media_id" in refused.value.fields
    photo = upload(reporter, blog, text_png(), alt="Booth 5")
    entry = make_entry(blog, reporter, source="", kind="image", media_id=photo.id)
    assert entry.kind == EntryKind.IMAGE and entry.html == ""


# --- link cards ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "provider", "kind"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube", "video"),
        ("https://youtu.be/dQw4w9WgXcQ", "YouTube", "video"),
        ("https://vimeo.com/76979871", "Vimeo", "video"),
        ("https://twitter.com/mwc/status/1", "X", "post"),
        ("https://x.com/mwc/status/1", "X", "post"),
        ("https://mastodon.social/@showfloor/112233", "Mastodon", "post"),
        ("https://www.linkedin.com/posts/acme_5g-activity-1", "LinkedIn", "post"),
        ("https://www.theverge.com/2027/3/1/fold", "theverge.com", "article"),
    ],
)
def test_links_become_cards_without_any_fetch(make_entry, blog, reporter, url, provider, kind):
    entry = make_entry(blog, reporter, source="", kind="embed", embed_url=url, embed_title="Watch")
    assert entry.embed_url == url
    assert entry.embed["provider"] == provider and entry.embed["kind"] == kind
    html = render_template("_entry.html", entry=entry, blog=entry.blog)
    assert f'href="{url}" rel="nofollow noopener"' in html
    assert "<iframe" not in html and "<script" not in html and ">Watch<" in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://user:pw@example.com/",
        "https://example.com/\u202egpj.exe",
        "ftp://example.com/file",
        "",
    ],
)
def test_unsafe_links_are_refused(make_entry, blog, reporter, url):
    with pytest.raises(Invalid) as refused:
        make_entry(blog, reporter, kind="embed", embed_url=url)
    assert "embed_url" in refused.value.fields


def test_look_alike_hosts_are_shown_in_punycode(make_entry, blog, reporter):
    entry = make_entry(blog, reporter, kind="embed", embed_url="https://аpple.com/event")
    assert entry.embed["host"] == "xn--pple-43d.com" and entry.embed["provider"] != "Apple"


# --- routes ------------------------------------------------------------------------


def test_desk_upload_answers_json_and_files_are_served_safely(client, blog, reporter):
    login(client, reporter)
    response = desk_upload(client, blog, tagged_webp(), caption="Booth", credit="Ana")
    assert response.status_code == 201
    body = response.get_json()
    assert body["alt"] == "Hall 3 at opening" and body["caption"] == "Booth"
    assert [v["width"] for v in body["variants"]] == [480, 960, 1600]
    assert body["src"] == body["variants"][1]["url"]
    assert body["srcset"].endswith("1600w")
    with client.get(body["variants"][0]["url"]) as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/webp"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        # Not yet on a public page: served to staff, and kept out of shared caches.
        assert "private" in served.headers["Cache-Control"]
        assert "no-store" in served.headers["Cache-Control"]
        with Image.open(io.BytesIO(served.data)) as im:
            assert im.size == (480, 240)


@pytest.mark.parametrize("name", ["..%2Fsecret_key", "showfloor.db", "x.svg", "a-480.webp"])
def test_only_pipeline_names_are_served(client, app, name):
    (Path(app.instance_path) / "media").mkdir(exist_ok=True)
    assert client.get(f"/media/{name}").status_code == 404


def test_desk_upload_refusals_are_json(app, client, blog, reporter, outsider):
    login(client, reporter)
    svg = desk_upload(client, blog, SVG, name="logo.svg")
    assert svg.status_code == 422 and "SVG" in svg.get_json()["error"]
    no_alt = desk_upload(client, blog, camera_jpeg(), alt="")
    assert no_alt.status_code == 422 and "alt" in no_alt.get_json()["fields"]
    stale = client.post("/desk/media", data={"blog_id": str(blog.id)})
    assert stale.status_code == 400 and stale.get_json()["csrf"] is True
    assert_nothing_written(app)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/desk/")})
    login(client, outsider)
    assert desk_upload(client, blog, camera_jpeg()).status_code == 403
    assert_nothing_written(app)


def test_logged_out_upload_is_401_json(app, client, blog):
    token = csrf_token(client, "/login")
    form = {"blog_id": str(blog.id), "alt": "x", "file": (io.BytesIO(camera_jpeg()), "p.jpg")}
    response = client.post("/desk/media", data=form, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.get_json()["login_url"] == "/login"
    assert_nothing_written(app)


def test_desk_attach_replaces_the_placeholder(client, make_entry, blog, reporter):
    entry = make_entry(blog, reporter, source="Demo at booth 5", kind="image")
    login(client, reporter)
    photo_id = desk_upload(client, blog, text_png()).get_json()["id"]
    response = client.post(
        f"/desk/entries/{entry.id}/media",
        json={"media_id": photo_id},
        headers={"X-CSRFToken": csrf_token(client, "/desk/")},
    )
    assert response.status_code == 200
    assert response.get_json()["media"]["id"] == photo_id
    page = client.get(f"/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}")
    assert "Photo coming" not in page.get_data(as_text=True)
    assert 'alt="Hall 3 at opening"' in page.get_data(as_text=True)


def test_desk_edit_of_the_text_keeps_the_photo(client, make_entry, blog, reporter):
    photo = upload(reporter, blog, text_png())
    entry = make_entry(blog, reporter, source="Before", kind="image", media_id=photo.id)
    login(client, reporter)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert f'name="media_id" value="{photo.id}"' in page
    form = {
        "csrf_token": csrf_token(client, f"/desk/entries/{entry.id}/edit"),
        "base_version": "1",
        "kind": "image",
        "source": "After",
        "media_id": str(photo.id),
    }
    assert client.post(f"/desk/entries/{entry.id}/edit", data=form).status_code == 302
    edited = db.session.get(Entry, entry.id, populate_existing=True)
    assert edited.source == "After" and edited.media_id == photo.id


def test_oversized_upload_is_413_before_the_body_is_read(app, client, blog, reporter):
    login(client, reporter)
    limit = app.config["MAX_UPLOAD_BYTES"]
    assert limit == 15 * 1024 * 1024
    # Past the limit plus the room left for form fields: refused from Content-Length alone.
    big = FileStorage(io.BytesIO(b"\xff\xd8" + b"\0" * (limit + 512 * 1024)), "big.jpg")
    # Encoded in memory: the test client would otherwise spool it to a file it never closes.
    boundary, body = encode_multipart({"blog_id": str(blog.id), "alt": "Big", "file": big})
    started = time.perf_counter()
    response = client.post(
        "/desk/media",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": csrf_token(client, "/desk/")},
    )
    assert time.perf_counter() - started < 2
    assert response.status_code == 413
    assert "at most 15 MB" in response.get_json()["error"]
    assert_nothing_written(app)


def test_other_routes_keep_the_one_megabyte_limit(client, blog, reporter):
    body = b'{"kind": "text", "source": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        data=body,
        headers={**api_headers(reporter), "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and "at most 1 MB" in response.get_json()["error"]


def test_api_upload_attach_and_entry_json(app, client, blog, reporter):
    headers = api_headers(reporter)
    form = {"file": (io.BytesIO(camera_jpeg()), "p.jpg"), "blog_id": str(blog.id), "alt": "Stage"}
    uploaded = client.post("/api/v1/media", data=form, headers=headers)
    assert uploaded.status_code == 201
    media_id = uploaded.get_json()["id"]
    posted = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        json={"kind": "image", "source": "Keynote", "idempotency_key": uuid.uuid4().hex},
        headers=headers,
    )
    assert posted.status_code == 201 and posted.get_json()["media"] is None
    entry_id = posted.get_json()["id"]
    attached = client.post(
        f"/api/v1/entries/{entry_id}/media", json={"media_id": media_id}, headers=headers
    )
    assert attached.status_code == 200
    assert attached.get_json()["media"]["id"] == media_id
    assert attached.get_json()["version"] == 2
    edited = client.patch(
        f"/api/v1/entries/{entry_id}",
        json={"base_version": 2, "source": "Keynote!"},
        headers=headers,
    )
    assert edited.get_json()["media"]["id"] == media_id  # an edit of the text keeps the photo


def test_api_embed_entry(client, blog, reporter):
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        json={
            "kind": "embed",
            "embed_url": "https://youtu.be/abc",
            "embed_title": "The keynote",
            "idempotency_key": uuid.uuid4().hex,
        },
        headers=api_headers(reporter),
    )
    assert response.status_code == 201
    assert response.get_json()["embed"]["provider"] == "YouTube"


def test_composer_without_script_uploads_and_publishes_in_one_post(app, client, blog, reporter):
    login(client, reporter)
    page = f"/desk/blogs/{blog.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    assert 'accept="image/*"' in html and 'name="alt"' in html and 'name="embed_url"' in html
    form = {
        "csrf_token": csrf_token(client, page),
        "idempotency_key": uuid.uuid4().hex,
        "kind": "image",
        "source": "The Fold 3 on stage",
        "alt": "A folding phone held up",
        "caption": "Fold 3",
        "file": (io.BytesIO(camera_jpeg()), "IMG_0001.JPG"),
    }
    response = client.post(page, data=form)
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert entry.kind == EntryKind.IMAGE and entry.media.caption == "Fold 3"


def test_composer_without_script_keeps_the_text_when_alt_is_missing(app, client, blog, reporter):
    login(client, reporter)
    page = f"/desk/blogs/{blog.id}"
    form = {
        "csrf_token": csrf_token(client, page),
        "idempotency_key": uuid.uuid4().hex,
        "kind": "image",
        "source": "Words worth keeping",
        "file": (io.BytesIO(camera_jpeg()), "IMG_0002.JPG"),
    }
    response = client.post(page, data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Words worth keeping" in text and "alt text" in text
    assert_nothing_written(app)
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_desk_script_posts_a_photo_entry_and_a_link_card(client, blog, reporter):
    login(client, reporter)
    photo_id = desk_upload(client, blog, text_png()).get_json()["id"]
    headers = {"X-CSRFToken": csrf_token(client, "/desk/")}
    posts = [
        {"kind": "image", "media_id": photo_id, "source": "Booth 5"},
        {"kind": "embed", "embed_url": "https://vimeo.com/1", "embed_title": "Demo"},
    ]
    made = []
    for body in posts:
        body["idempotency_key"] = uuid.uuid4().hex
        response = client.post(f"/desk/blogs/{blog.id}/entries", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    assert made[0]["media"]["id"] == photo_id
    assert made[1]["embed"]["provider"] == "Vimeo"
