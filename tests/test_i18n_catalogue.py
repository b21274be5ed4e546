"""The catalogue is complete, and every reader surface rendered in Spanish has no English left.

The English messages are not typed here: they are extracted from the code as babel.cfg
says, with Babel's own API, and looked for in each page's visible text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest

from blog import actions
from blog.models import BlogStatus, EntryKind
from blog.platform.i18n import CATALOGUES, ROOT

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def extracted() -> set[str | tuple[str, str]]:
    """Every msgid (a pair for a plural) in the code, as `pybabel extract -F babel.cfg` finds."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS, strip_comment_tags=True
    )
    return {m if isinstance(m, str) else (m[0], m[1]) for _file, _line, m, _c, _ctx in found}


def catalogue(path):
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        return read_po(file, locale="es" if "es" in path.parts else None)


def message_ids(cat) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


@pytest.fixture(scope="module")
def english():
    return extracted()


@pytest.fixture(scope="module")
def spanish():
    return catalogue(CATALOGUES / "es" / "LC_MESSAGES" / "messages.po")


def test_the_template_holds_exactly_what_the_code_says(english):
    template = message_ids(catalogue(CATALOGUES / "messages.pot"))
    assert english - template == set(), "run pybabel extract (docs/i18n.md)"
    assert template - english == set(), "run pybabel extract (docs/i18n.md)"


def test_every_message_has_its_spanish_and_the_same_placeholders(english, spanish):
    assert message_ids(spanish) == english, "run pybabel update (docs/i18n.md)"
    for message in spanish:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy and all(strings), f"untranslated: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)s", text)) == wanted, message.id


# ---- every reader surface in Spanish ------------------------------------------------


class VisibleText(HTMLParser):
    """The words a reader sees or hears: text outside scripts and styles, and labels."""

    LABELS = ("title", "alt", "aria-label", "placeholder", "content")

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts += [v for k, v in attrs if k in self.LABELS and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(response) -> str:
    if "xml" in response.content_type:
        texts = [t for el in ET.fromstring(response.data).iter() for t in (el.text, el.tail) if t]
    else:
        parser = VisibleText()
        parser.feed(response.text)
        texts = parser.parts
    return " ".join(" ".join(texts).split())


def pattern(english: str) -> re.Pattern:
    """An English message as it would show: placeholders stand for anything, whole words."""
    pieces = [re.escape(p) for p in re.split(r"%\(\w+\)s", english)]
    body = ".+?".join(pieces)
    start = r"\b" if re.match(r"\w", english) else ""
    end = r"\b" if re.search(r"\w$", english) else ""
    return re.compile(start + body + end)


def left_in_english(text: str, spanish) -> list[str]:
    """The catalogue's English messages (not those Spanish keeps as they are) in the text."""
    left = []
    for message in spanish:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english not in strings and pattern(english).search(text):
                left.append(english)
    return left


@pytest.fixture
def show(app, make_event, make_blog, make_entry, editor):
    """An English event with one of everything a reader page can show, in neutral words."""
    today = datetime.now(UTC).date()
    event = make_event(
        name="Salón Zeta", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=2)
    )
    speaker = actions.add_speaker(event, "Ana Pérez", "Directora", "Zeta Redes")
    blog = make_blog(event, slug="apertura")
    make_blog(event, status=BlogStatus.ENDED, slug="ayer")
    make_blog(event, status=BlogStatus.SCHEDULED, slug="manana")
    key = make_entry(blog, source="Uno dos tres.", headline="Titular uno", is_key=True)
    pinned = make_entry(blog, source="Cuatro cinco.", tags=["redes"])
    actions.pin_entry(editor, pinned.id)
    quote = make_entry(
        blog, kind=EntryKind.QUOTE.value, source="Seis siete.", speaker_id=speaker.id
    )
    make_entry(blog, kind=EntryKind.IMAGE.value, source="Ocho nueve.")
    fixed = make_entry(blog, source="Diez once.")
    actions.edit_entry(
        editor, fixed.id, 1, actions.EntryInput(source="Diez doce.", correction_note="Errata.")
    )
    gone = make_entry(blog, source="Trece.")
    actions.retract_entry(editor, gone.id)
    actions.feature_on_hub(editor, event.id, blog_id=blog.id, lead=True)
    actions.feature_on_hub(editor, event.id, entry_id=key.id)
    actions.set_hub_summary(editor, event.id, "Catorce quince.")
    now = datetime.now(UTC).astimezone(event.tz).replace(second=0, microsecond=0)
    for title, start in (
        ("Sesión A", now - timedelta(minutes=10)),
        ("Sesión B", now + timedelta(hours=2)),
    ):
        data = actions.SessionInput(
            title=title,
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        )
        actions.save_session(editor, event.id, None, data)
    base = f"/e/{event.slug}"
    return {
        "events": "/",
        "hub": f"{base}/",
        "blog": f"{base}/apertura/",
        "blog, filtered": f"{base}/apertura/?tag=redes&key=1",
        "blog, older page": f"{base}/apertura/?before={key.id}",
        "permalink": f"{base}/apertura/entries/{quote.id}",
        "search": f"{base}/search?q=uno",
        "roster": f"{base}/speakers/",
        "speaker": f"{base}/speakers/{speaker.id}",
        "embed": f"/embed/{event.slug}/apertura",
        "blog feed": f"{base}/apertura/feed.atom",
        "event feed": f"{base}/feed.atom",
        "not found": f"{base}/nada/",
        "retracted": f"{base}/apertura/entries/{gone.id}",
        "ended blog": f"{base}/ayer/",
        "scheduled blog": f"{base}/manana/",
    }


def test_every_reader_surface_in_spanish_has_no_english_left(client, show, spanish):
    for name, path in show.items():
        response = client.get(path, headers=SPANISH)
        assert response.status_code in (200, 404, 410), (name, response.status_code)
        if "html" in response.content_type:
            assert '<html lang="es">' in response.text, name
        else:
            assert 'xml:lang="es"' in response.text, name
        text = visible(response)
        assert text, name
        assert left_in_english(text, spanish) == [], f"{name} ({path}): {text}"


def test_the_same_pages_in_english_show_the_english_messages(client, show, spanish):
    """The check above would pass on pages that show nothing: here it finds the English."""
    text = visible(client.get(show["blog"], headers={"Accept-Language": "en"}))
    assert {"Key moments", "Pinned", "Live", "Search"} <= set(left_in_english(text, spanish))
