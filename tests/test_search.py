"""Search: people by name and organisation, accents and case aside, best match first."""

from __future__ import annotations

import re

import pytest

from blog import actions
from blog.content.search import search
from blog.models import EntryKind, Speaker
from blog.platform import db


@pytest.fixture
def ines(blog):
    """Inés Valbuena of Telefónica on the event's roster."""
    return actions.add_speaker(blog.event, "Inés Valbuena", "CTO", "Telefónica")


@pytest.fixture
def quote(make_entry, blog, ines):
    """A quote of Inés that names her nowhere in its text."""
    text = "Open RAN is ready for the big cities."
    return make_entry(blog, source=text, kind=EntryKind.QUOTE, speaker_id=ines.id)


@pytest.fixture
def unrelated(make_entry, blog):
    """An entry about something else altogether."""
    return make_entry(blog, source="Queues at the entrance of hall 2 are long.")


def found(blog, query: str) -> list[int]:
    return [hit.entry.id for hit in search(blog.event, query)]


@pytest.mark.parametrize("query", ["Ines", "ines valbuena", "VALBUENA", "Inés", "telefonica"])
def test_a_quote_is_found_by_its_speaker_and_organisation(blog, quote, unrelated, query):
    assert found(blog, query) == [quote.id]


def test_accents_in_the_text_are_ignored_both_ways(blog, make_entry, unrelated):
    entry = make_entry(blog, source="A café in Málaga runs on private 5G.")
    assert found(blog, "cafe malaga") == [entry.id]
    assert found(blog, "MÁLAGA") == [entry.id]


def test_the_better_match_comes_first(blog, make_entry, quote):
    passing = make_entry(blog, source="Later on, a word from Valbuena about spectrum.")
    headline = make_entry(
        blog, headline="Valbuena: Valbuena's plan", source="Valbuena sets out the plan."
    )
    assert found(blog, "valbuena") == [headline.id, quote.id, passing.id]


def test_renaming_a_speaker_reindexes_their_quotes(blog, quote, ines):
    speaker = db.session.get(Speaker, ines.id)
    speaker.name = "Inés Valbuena Ruiz"
    speaker.organization.name = "Telefónica España"
    db.session.commit()
    assert found(blog, "ruiz") == [quote.id]
    assert found(blog, "espana") == [quote.id]


def test_the_page_marks_the_speaker_and_keeps_it_escaped(client, blog, quote, make_entry):
    make_entry(blog, source="<b>Inés</b> said *ines* twice")
    page = client.get(f"/e/{blog.event.slug}/search?q=ines").get_data(as_text=True)
    marked = "— <mark>Inés</mark> Valbuena, CTO, Telefónica"
    assert f'<p class="result__attribution">{marked}</p>' in page
    snippets = re.findall(r'<p class="result__snippet">(.*?)</p>', page)
    snippet = next(s for s in snippets if "said" in s)
    assert "<mark>Inés</mark>" in snippet and "<mark>ines</mark>" in snippet
    assert "<b>" not in page
    assert re.findall(r'data-entry-id="(\d+)"', page).count(str(quote.id)) == 1
