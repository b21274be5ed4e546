"""Speaker pages: the roster and each speaker's quotes across the event's blogs."""

from __future__ import annotations

from conftest import login

from blog import actions


def test_a_speaker_page_lists_their_quotes_from_every_blog(
    client, make_event, make_blog, make_entry
):
    event = make_event()
    keynote, panel = make_blog(event), make_blog(event)
    ines = actions.add_speaker(event, "Inés Valbuena", "Chief Executive", "Aurora Devices")
    other = actions.add_speaker(event, "Tomasz Wierzbicki")
    make_entry(keynote, kind="quote", source="One screwdriver.", speaker_id=ines.id)
    make_entry(panel, kind="quote", source="Seven years of parts.", speaker_id=ines.id)
    make_entry(panel, kind="quote", source="Not hers.", speaker_id=other.id)
    page = client.get(f"/e/{event.slug}/speakers/{ines.id}").get_data(as_text=True)
    assert "One screwdriver." in page and "Seven years of parts." in page
    assert "Not hers." not in page
    roster = client.get(f"/e/{event.slug}/speakers/").get_data(as_text=True)
    assert "Inés Valbuena" in roster and "2 quotes" in roster


def test_quotes_link_to_the_speaker_page(client, make_event, make_blog, make_entry):
    event = make_event()
    blog = make_blog(event)
    ines = actions.add_speaker(event, "Inés Valbuena")
    make_entry(blog, kind="quote", source="One screwdriver.", speaker_id=ines.id)
    page = client.get(f"/e/{event.slug}/{blog.slug}/").get_data(as_text=True)
    assert f'href="/e/{event.slug}/speakers/{ines.id}"' in page


def test_a_speaker_of_another_event_is_not_found(client, make_event):
    mine, theirs = make_event(), make_event()
    speaker = actions.add_speaker(theirs, "Someone Else")
    assert client.get(f"/e/{mine.slug}/speakers/{speaker.id}").status_code == 404


def test_the_desk_and_the_api_match_speakers_without_accents_or_case(client, blog, reporter):
    ines = actions.add_speaker(blog.event, "Inés Valbuena", "CTO", "Telefónica")
    actions.add_speaker(blog.event, "Tomasz Wierzbicki", "", "Nordlink")
    login(client, reporter)
    for needle in ("Ines", "VALBUENA", "telefonica", "Inés"):
        desk = client.get(f"/desk/events/{blog.event.id}/speakers?q={needle}").get_json()
        assert [s["id"] for s in desk["speakers"]] == [ines.id], needle
        api = client.get(f"/api/v1/events/{blog.event.slug}/speakers?q={needle}").get_json()
        assert [s["id"] for s in api["speakers"]] == [ines.id], needle
    every = client.get(f"/api/v1/events/{blog.event.slug}/speakers").get_json()["speakers"]
    assert len(every) == 2
