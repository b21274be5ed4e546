"""A realistic show for the readers' browser tests: one live blog with every kind of entry.

Seeded once per run through the real actions, then served by one server process:
a long pinned welcome, text with Markdown, a quote, a photo, a link card, key moments, an
entry shown as posted the day before, a scheduled and an ended blog, a hub with a summary,
a featured lead and an agenda.
"""

from __future__ import annotations

import io
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_support import Server
from conftest import (
    BACKEND,
    PASSWORD,
    create_postgres_database,
    dispose_app,
    drop_postgres_database,
)
from PIL import Image

from blog import actions, create_app
from blog.actions.agenda import SessionInput
from blog.actions.curation import BlogInput
from blog.models import BlogStatus, Role
from blog.platform.migrate import upgrade


def _midday_zone() -> str:
    """A fixed-offset zone where it is about noon now: no run straddles the venue's midnight.

    The show's "today" and "yesterday" are venue days; seeded near midnight, a test a few
    minutes later would read the next day.
    """
    offset = 12 - datetime.now(UTC).hour  # -11 .. 12 hours, all named Etc zones
    # Etc/GMT names invert the sign: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


TZ = _midday_zone()
EDITOR_EMAIL = "editor@example.test"
WELCOME = "\n\n".join(
    [
        "Good morning from the main stage at Fira Gran Via. Doors opened at eight and the queue "
        "for the keynote hall already reaches the coffee stands.",
        "We will follow every session of the opening day here: the keynote, the spectrum panel "
        "and the hands-on tour of Hall 3, with photos and quotes as they happen.",
        "Key moments are marked along the way, so you can catch up in a minute. Use the filters "
        "to follow one speaker or one company.",
        "Our reporters on the floor today are Ana, Jonas and Mei. Send us what you see with "
        "the hashtag **#MFC27**.",
        "Times on this page are the venue's local time.",
    ]
)


@dataclass
class Showcase:
    """What a test needs to find its way around the seeded show."""

    server: Server
    event_slug: str
    blog_slug: str
    entries: dict[str, int]
    editor_email: str

    blog_id: int

    def fill(self, path: str) -> str:
        """A path template with the show's slugs, blog id and named entry ids filled in."""
        return path.format(
            event=self.event_slug, blog=self.blog_slug, blog_id=self.blog_id, **self.entries
        )


def _post(user, blog_id: int, **fields):
    data = actions.EntryInput(**fields)
    return actions.post_entry(user, blog_id, data, uuid.uuid4().hex)[0]


def _photo(user, event_id: int) -> int:
    out = io.BytesIO()
    image = Image.new("RGB", (1200, 800), (34, 72, 120))
    image.paste((214, 160, 60), (380, 260, 820, 540))
    image.save(out, "JPEG")
    out.seek(0)
    alt = "A foldable phone open on a grey stand under bright lights"
    media = actions.upload_media(user, event_id, out, alt, "The Fold 3 on its stand", "Mei Chen")
    return media.id


def _roster(event) -> list:
    return [
        actions.add_speaker(event, "Tomasz Wierzbicki", "Head of Network Strategy", "Nordlink"),
        actions.add_speaker(event, "Kwame Asante", "Director of Spectrum Policy", "Open Airwaves"),
    ]


def _event(editor):
    today = datetime.now(ZoneInfo(TZ)).date()
    event = actions.create_event(
        "mfc",
        "Mobile Frontier Congress",
        today - timedelta(days=1),
        today + timedelta(days=2),
        TZ,
        venue="Fira Gran Via",
        city="Barcelona",
        description="Four days of networks, devices and policy on the show floor.",
    )
    actions.set_hub_summary(
        editor,
        event.id,
        "- Nordlink says self-healing networks run in **four countries**.\n"
        "- Regulators are asked for one EU spectrum-sharing framework by 2028.",
    )
    return event


def _agenda(editor, event) -> None:
    now = datetime.now(ZoneInfo(TZ)).replace(second=0, microsecond=0)
    for title, start, end in (
        ("Opening keynote", now - timedelta(minutes=30), now + timedelta(minutes=30)),
        ("Spectrum panel", now + timedelta(hours=1), now + timedelta(hours=2)),
    ):
        fields = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": end.isoformat()[:16]}
        actions.save_session(
            editor, event.id, None, SessionInput(title=title, stage="Hall 1", **fields)
        )


# The keynote's entries, oldest first: (name, posted by the editor?, fields).
KEYNOTE = [
    (
        "older",
        False,
        {"headline": "Day 0", "source": "Badges collected: the press centre is open."},
    ),
    ("pinned", True, {"headline": "Welcome to our live coverage", "source": WELCOME}),
    (
        "quote",
        False,
        {
            "kind": "quote",
            "source": "Networks that heal themselves are no longer a slide. They run in four "
            "countries.",
            "tags": "ai-ran",
        },
    ),
    ("photo", False, {"kind": "image", "source": "Hands-on with the Fold 3 after the keynote."}),
    (
        "card",
        False,
        {
            "kind": "embed",
            "embed_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "embed_title": "The keynote, in full",
            "source": "If you missed it, the stream is up.",
        },
    ),
    (
        "key",
        True,
        {
            "headline": "Spectrum: one EU framework by 2028",
            "source": "Kwame Asante asks regulators for a **common sharing framework** across "
            "the EU by 2028. [Read the proposal](https://example.org/proposal).",
            "tags": "spectrum, policy",
            "is_key": True,
        },
    ),
    ("text", False, {"source": "The hall is full; overflow screens run in Hall 4."}),
]


def _keynote_entries(editor, reporter, blog, speakers) -> dict[str, int]:
    extra = {
        "quote": {"speaker_id": speakers[0].id},
        "photo": {"media_id": _photo(reporter, blog.event_id)},
    }
    ids = {
        name: _post(editor if by_editor else reporter, blog.id, **fields, **extra.get(name, {})).id
        for name, by_editor, fields in KEYNOTE
    }
    actions.pin_entry(editor, ids["pinned"])
    for name in ("quote", "older"):
        actions.mark_key_entry(editor, ids[name], True)
    yesterday = datetime.now(ZoneInfo(TZ)).replace(hour=18, minute=30) - timedelta(days=1)
    actions.set_display_time(editor, ids["older"], yesterday)
    return ids


def seed(editor_email: str) -> dict:
    """Create the show through the actions; return its slugs, blog id and named entry ids."""
    editor = actions.create_user(editor_email, "Lena Ortiz", PASSWORD, Role.EDITOR)
    event = _event(editor)
    reporter = actions.create_user("ana@example.test", "Ana Ruiz", PASSWORD, Role.REPORTER)
    actions.assign_user(reporter, event)
    speakers = _roster(event)
    _agenda(editor, event)
    blog = actions.create_blog(event, "keynote", "Opening keynote: networks that heal")
    actions.save_blog(
        editor,
        event.id,
        blog.id,
        BlogInput(
            title=blog.title,
            description="Nordlink, Open Airwaves and the regulators on stage: "
            "self-healing networks and shared spectrum, as it happens.",
        ),
    )
    actions.set_blog_status(editor, blog.id, BlogStatus.LIVE)
    ids = _keynote_entries(editor, reporter, blog, speakers)
    press = actions.create_blog(event, "press", "Day 0: Aurora Devices press conference")
    actions.set_blog_status(editor, press.id, BlogStatus.LIVE)
    _post(
        editor,
        press.id,
        source="The Fold 3 starts at €1,099.",
        headline="Price and dates",
        is_key=True,
    )
    actions.set_blog_status(editor, press.id, BlogStatus.ENDED)
    actions.create_blog(event, "hall-3", "Hall 3 floor walk")
    actions.feature_on_hub(editor, event.id, blog_id=blog.id, lead=True)
    actions.feature_on_hub(editor, event.id, entry_id=ids["key"])
    return {"event_slug": event.slug, "blog_slug": blog.slug, "blog_id": blog.id, "entries": ids}


def _database(tmp, migrated_template, request) -> str:
    if BACKEND == "postgres":
        server_url = request.getfixturevalue("postgres_server_url")
        url = create_postgres_database(server_url)
        request.addfinalizer(lambda: drop_postgres_database(server_url, url))
        upgrade(url)
        return url
    shutil.copy(migrated_template, tmp / "showcase.db")
    return f"sqlite:///{tmp / 'showcase.db'}"


@pytest.fixture(scope="session")
def showcase(migrated_template, tmp_path_factory, request):
    """The seeded show served by one `python app.py` for the whole run; tests only read it."""
    tmp = tmp_path_factory.mktemp("showcase")
    url = _database(tmp, migrated_template, request)
    app = create_app(
        {
            "DATABASE_URL": url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "SECRET_KEY": "showcase",
            "SCHEDULER_INTERVAL": None,
            "READERS_COUNT": False,
            "MEDIA_ROOT": str(tmp / "media"),
        }
    )
    app.instance_path = str(tmp)
    with app.app_context():
        seeded = seed(EDITOR_EMAIL)
    dispose_app(app)
    server = Server(url)
    server.env["SHOWFLOOR_MEDIA_ROOT"] = str(tmp / "media")
    server.start()
    yield Showcase(server=server, editor_email=EDITOR_EMAIL, **seeded)
    server.stop()
