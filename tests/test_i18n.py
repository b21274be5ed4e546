"""Readers' languages: which locale a page is in, how it is cached, its dates, its catalogue."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import csrf_token, login

from blog import actions
from blog.live.payloads import entry_payload
from blog.platform import db
from blog.platform.errors import Invalid
from blog.platform.i18n import compile_catalogues, reader_choice

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("es", "es"),
        ("es-MX,es;q=0.9", "es"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB,en;q=0.9", "en_GB"),
        ("en_gb", "en_GB"),
        # The first of the reader's languages that is one of ours, in the reader's order.
        ("de-DE,de;q=0.9,es;q=0.8,en;q=0.7", "es"),
        ("fr;q=0.4,en;q=0.6", "en"),
        ("de,fr", None),
        ("es;q=0,en", "en"),
        ("*", None),
        ("x" * 5000, None),
    ],
)
def test_the_readers_languages_choose_among_ours(header, chosen):
    assert reader_choice(header) == chosen


def test_the_event_chooses_unless_the_reader_asks(client, make_event, make_blog):
    event = make_event(locale="es")
    blog = make_blog(event)
    path = f"/e/{event.slug}/{blog.slug}/"
    assert '<html lang="es">' in client.get(path).text
    assert '<html lang="en-GB">' in client.get(path, headers={"Accept-Language": "en-GB"}).text
    # A language we do not have leaves the event's choice.
    assert '<html lang="es">' in client.get(path, headers={"Accept-Language": "de"}).text


@pytest.mark.parametrize("kind", ["hub", "blog", "entry", "embed", "feed"])
def test_each_language_has_its_own_etag_and_caches_keep_them_apart(
    client, make_event, make_blog, make_entry, kind
):
    event = make_event()
    blog = make_blog(event)
    entry = make_entry(blog)
    path = {
        "hub": f"/e/{event.slug}/",
        "blog": f"/e/{event.slug}/{blog.slug}/",
        "entry": f"/e/{event.slug}/{blog.slug}/entries/{entry.id}",
        "embed": f"/embed/{event.slug}/{blog.slug}",
        "feed": f"/e/{event.slug}/{blog.slug}/feed.atom",
    }[kind]
    english, spanish = client.get(path), client.get(path, headers=SPANISH)
    assert english.status_code == spanish.status_code == 200
    assert english.headers["ETag"] != spanish.headers["ETag"]
    for answer in (english, spanish):
        assert "Accept-Language" in answer.headers["Vary"]
    # The English copy's ETag does not validate the Spanish page, nor the other way round.
    crossed = client.get(path, headers={**SPANISH, "If-None-Match": english.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.headers["ETag"] == spanish.headers["ETag"]
    same = client.get(path, headers={**SPANISH, "If-None-Match": spanish.headers["ETag"]})
    assert same.status_code == 304


def test_desk_and_editor_pages_stay_english(client, editor, make_event):
    event = make_event(locale="es")
    login(client, editor)
    page = client.get(f"/curate/events/{event.id}/edit", headers=SPANISH)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "Accept-Language" not in page.headers.get("Vary", "")


def test_an_editor_sets_the_readers_language(client, editor, make_event):
    event = make_event()
    login(client, editor)
    form = client.get(f"/curate/events/{event.id}/edit").text
    assert '<option value="es" >Español — jue, 4 mar, 17:00</option>' in form
    fields = {
        "name": event.name,
        "slug": event.slug,
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-04",
        "timezone": "Europe/Madrid",
        "locale": "es",
    }
    fields["csrf_token"] = csrf_token(client)
    saved = client.post(f"/curate/events/{event.id}/edit", data=fields)
    assert saved.status_code == 302
    db.session.refresh(event)
    assert event.locale == "es"
    refused = client.post(f"/curate/events/{event.id}/edit", data={**fields, "locale": "xx"})
    assert refused.status_code == 422 and "Choose one of the readers&#39; languages" in refused.text
    db.session.refresh(event)
    assert event.locale == "es"


def test_create_event_refuses_an_unknown_locale(app):
    with pytest.raises(Invalid, match="Unknown locale 'fr'"):
        actions.create_event("salon", "Salon", date(2027, 3, 1), date(2027, 3, 2), locale="fr")


def test_catalogues_compile_when_their_text_changes(tmp_path):
    source, target = tmp_path / "src", tmp_path / "out"
    po = source / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Live"\nmsgstr "En directo"\n', encoding="utf-8")
    compile_catalogues(source, target)
    mo = target / "es" / "LC_MESSAGES" / "messages.mo"
    first = mo.read_bytes()
    assert b"En directo" in first
    compile_catalogues(source, target)  # unchanged: not rewritten
    assert mo.read_bytes() == first
    po.write_text(po.read_text(encoding="utf-8").replace("En directo", "Ahora"), encoding="utf-8")
    compile_catalogues(source, target)
    assert b"Ahora" in mo.read_bytes()


def test_a_pushed_entry_is_in_its_events_language_whoever_asked(make_event, make_blog, make_entry):
    event = make_event(locale="es")
    entry = make_entry(make_blog(event), is_key=True)
    html = entry_payload(entry)["html"]
    assert 'data-l10n="Key moment"' in html and ">Momento clave<" in html
