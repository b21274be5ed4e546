"""A retraction is a takedown, an edit retires its old text: walked across every public surface."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from PIL import Image

from blog import actions
from blog.archive.static_site import write_archive
from blog.content import queries
from blog.models import Change, EntryRevision, EventChange
from blog.platform import db

# Words no other text on any page contains, one per field that can carry text.
BODY = "Quokkalattice prices leak early"
HEADLINE = "Zephyrwick headline"
CAPTION = "Marrowfinch caption"
ALT = "Gloamridge alt text"
CARD_TITLE = "Cardamoth link title"
CARD_URL = "https://example.com/cardamoth-leak"
QUOTE = "Quillbarrow never said this"
# The first word of each: found even in an excerpt or a highlighted snippet.
TAKEN_DOWN = [text.split()[0] for text in (BODY, HEADLINE, CAPTION, ALT, CARD_TITLE, QUOTE)]
REMOVED = "Snarkleberry figures were wrong"
KEPT = "Keynote starts at nine."


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1000, 600), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def post(editor, blog, **fields):
    data = actions.EntryInput(**fields)
    entry, _ = actions.post_entry(editor, blog.id, data, uuid.uuid4().hex)
    return entry


@pytest.fixture
def coverage(app, make_event, make_blog, editor):
    """An event with a live blog, a speaker and the entries the walk looks for."""
    event = make_event()
    blog = make_blog(event)
    speaker = actions.add_speaker(event, "Ines Valbuena", "CEO", "Aurora Devices")
    return event, blog, speaker


def post_doomed(editor, event, blog, speaker) -> list:
    """A keyed, featured photo entry with a headline, a keyed link card and a keyed quote."""
    photo = actions.upload_media(
        editor, event.id, io.BytesIO(photo_bytes()), ALT, caption=CAPTION, credit="Showfloor"
    )
    main = post(
        editor,
        blog,
        kind="image",
        source=BODY,
        headline=HEADLINE,
        media_id=photo.id,
        is_key=True,
        tags=["leaks"],
    )
    card = post(
        editor,
        blog,
        kind="embed",
        source=f"{CARD_TITLE}, read on",
        embed_url=CARD_URL,
        embed_title=CARD_TITLE,
        is_key=True,
    )
    quote = post(editor, blog, kind="quote", source=QUOTE, speaker_id=speaker.id, is_key=True)
    actions.feature_on_hub(editor, event.id, entry_id=main.id, lead=True)
    actions.feature_on_hub(editor, event.id, entry_id=card.id)
    actions.feature_on_hub(editor, event.id, entry_id=quote.id)
    return [main, card, quote]


def walk(client, reader, event, blog, speaker, entries, out_dir) -> dict[str, str]:
    """Every public surface's text, as an anonymous reader (or a crawler) gets it."""
    e, b = event.slug, blog.slug
    pages = {
        "blog changes": f"/api/v1/blogs/{blog.id}/changes?since=0",
        "event changes": f"/api/v1/events/{event.id}/changes?since=0",
        "blog page": f"/e/{e}/{b}/",
        "blog page fragment": f"/e/{e}/{b}/?fragment=1",
        "hub page": f"/e/{e}/",
        "blog feed": f"/e/{e}/{b}/feed.atom",
        "event feed": f"/e/{e}/feed.atom",
        "embed": f"/embed/{e}/{b}",
        "roster": f"/e/{e}/speakers/",
        "speaker page": f"/e/{e}/speakers/{speaker.id}",
        "api entries": f"/api/v1/blogs/{blog.id}/entries",
        "api blog": f"/api/v1/blogs/{blog.id}",
    }
    for word in (BODY, QUOTE, REMOVED):  # search needs every word: one search each
        pages[f"search {word}"] = f"/e/{e}/search?q={word.split()[0]}"
    for entry in entries:
        pages[f"permalink {entry.id}"] = f"/e/{e}/{b}/entries/{entry.id}"
        pages[f"api entry {entry.id}"] = f"/api/v1/entries/{entry.id}"
    seen = {name: client.get(url).get_data(as_text=True) for name, url in pages.items()}
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', seen["blog page"], re.S)
    seen["json-ld"] = ld.group(1)
    for name in [n for n in seen if n.startswith("search ")]:
        # The page repeats the query in its form: only the results can leak.
        seen[name] = seen[name][seen[name].index('<ol class="results"') :]
    seen["socket follow"] = _replayed(reader(), "follow", {"blog_id": blog.id, "since": 0})
    seen["socket follow_event"] = _replayed(
        reader(), "follow_event", {"event_id": event.id, "since": 0}
    )
    write_archive(queries.event_by_slug(e), out_dir)
    for path in sorted(out_dir.glob("*.html")):
        seen[f"archive {path.name}"] = path.read_text()
    return seen


def _replayed(sio, follow: str, args: dict) -> str:
    assert sio.emit(follow, args, callback=True)["ok"] is True
    return json.dumps([m["args"] for m in sio.get_received()], ensure_ascii=False)


def media_statuses(client, photo) -> set[int]:
    """What an anonymous GET of each of the photo's files answers."""
    statuses = set()
    for variant in photo.variants:
        with client.get(f"/media/{variant['file']}") as response:
            statuses.add(response.status_code)
    return statuses


def found(seen: dict[str, str], words) -> dict[str, list[str]]:
    """Which surfaces show which of the words (case-insensitive)."""
    hits = {name: [w for w in words if w.lower() in text.lower()] for name, text in seen.items()}
    return {name: words for name, words in hits.items() if words}


def test_a_retraction_leaves_no_word_photo_or_card_on_any_public_surface(
    client, reader, coverage, editor, tmp_path
):
    event, blog, speaker = coverage
    entries = post_doomed(editor, event, blog, speaker)
    photo = entries[0].media
    before = walk(client, reader, event, blog, speaker, entries, tmp_path / "before")
    # The walk reaches the entries: every surface but these few shows them.
    shown = found(before, TAKEN_DOWN)
    unshown = {"roster", "api blog", f"search {REMOVED}"}
    assert set(before) - set(shown) == unshown, sorted(set(before) - set(shown))
    assert media_statuses(client, photo) == {200}
    blog_seqs = _seqs(Change, blog_id=blog.id)
    event_seqs = _seqs(EventChange, event_id=event.id)

    for entry in entries:
        actions.retract_entry(editor, entry.id)

    after = walk(client, reader, event, blog, speaker, entries, tmp_path / "after")
    assert found(after, TAKEN_DOWN) == {}
    assert media_statuses(client, photo) == {404}
    # The streams keep every seq, and type; the entries' changes are tombstones.
    assert _seqs(Change, blog_id=blog.id)[: len(blog_seqs)] == blog_seqs
    assert _seqs(EventChange, event_id=event.id)[: len(event_seqs)] == event_seqs
    ids = {entry.id for entry in entries}
    changes = json.loads(after["blog changes"])["changes"]
    for change in (c for c in changes if c.get("entry_id") in ids):
        assert set(change) == {"blog_id", "seq", "type", "entry_id", "taken_down"}
        assert change["taken_down"] is True


def _seqs(model, **where) -> list[tuple[int, str]]:
    rows = db.session.query(model).filter_by(**where).order_by(model.seq)
    return [(row.seq, row.type) for row in rows]


def test_an_edit_takes_the_removed_sentence_off_every_public_surface(
    client, reader, coverage, editor, tmp_path
):
    event, blog, speaker = coverage
    entry = post(editor, blog, source=f"{KEPT} {REMOVED}.", headline="Day one", is_key=True)
    actions.feature_on_hub(editor, event.id, entry_id=entry.id, lead=True)
    actions.pin_entry(editor, entry.id)
    before = walk(client, reader, event, blog, speaker, [entry], tmp_path / "before")
    shown = found(before, [REMOVED.split()[0]])
    assert {"blog changes", "event changes", f"search {REMOVED}"} <= set(shown)

    edit = actions.EntryInput(source=KEPT, headline="Day one", is_key=True)
    actions.edit_entry(editor, entry.id, entry.version, edit)

    after = walk(client, reader, event, blog, speaker, [entry], tmp_path / "after")
    assert found(after, [REMOVED.split()[0]]) == {}
    for surface in ("blog changes", "event changes", "socket follow", "blog page", "hub page"):
        assert KEPT in after[surface], surface
    # Earlier changes of the entry point at the edit, which carries the current text.
    changes = json.loads(after["blog changes"])["changes"]
    mine = [c for c in changes if c.get("entry_id") == entry.id]
    edit_seq = mine[-1]["seq"]
    assert mine[-1]["type"] == "entry_edited" and KEPT in mine[-1]["html"]
    for change in mine[:-1]:
        assert change == {
            "blog_id": blog.id,
            "seq": change["seq"],
            "type": change["type"],
            "entry_id": entry.id,
            "taken_down": True,
            "superseded_by": edit_seq,
        }
    # Staff keep the superseded version as a revision.
    revision = db.session.query(EntryRevision).filter_by(entry_id=entry.id).one()
    assert REMOVED in revision.source


def test_live_readers_get_the_tombstone_of_a_retraction(client, reader, coverage, editor):
    event, blog, speaker = coverage
    entry = post(editor, blog, source=BODY, headline=HEADLINE, is_key=True)
    sio = reader()
    head = queries.blog_by_id(blog.id).last_seq
    assert sio.emit("follow", {"blog_id": blog.id, "since": head}, callback=True)["ok"]
    actions.retract_entry(editor, entry.id)
    sent = [m for m in sio.get_received() if m["name"] == "entry_retracted"]
    assert [m["args"][0] for m in sent] == [
        {
            "blog_id": blog.id,
            "seq": head + 1,
            "type": "entry_retracted",
            "entry_id": entry.id,
            "taken_down": True,
        }
    ]
