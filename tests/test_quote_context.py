"""A quote's context paragraph: stored, rendered outside the quotation, sent by the desk and API."""

from __future__ import annotations

import uuid

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import func, select

from blog import actions
from blog.models import Entry, EntryRevision
from blog.platform import db


@pytest.fixture
def speaker(blog):
    return actions.add_speaker(blog.event, "Priya Raghunathan", "CTO", "Aurora Devices")


def api_post(client, blog, editor, **body):
    body.setdefault("idempotency_key", uuid.uuid4().hex)
    url = f"/api/v1/blogs/{blog.id}/entries"
    return client.post(url, json=body, headers=api_headers(editor))


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_api_quote_with_context_renders_it_before_and_outside_the_quotation(
    client, blog, editor, speaker
):
    response = api_post(
        client,
        blog,
        editor,
        kind="quote",
        source="Seven years of **support**.",
        speaker_id=speaker.id,
        context="Asked about updates, see [the keynote](https://example.test/k):",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["context"].startswith("Asked about updates")
    assert '<a href="https://example.test/k" rel="nofollow noopener">' in body["context_html"]
    page = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    article = page[page.index(f'id="entry-{body["id"]}"') :]
    context_at = article.index('<div class="quote__context">')
    quote_at = article.index("<blockquote")
    assert context_at < quote_at
    quotation = article[quote_at : article.index("</blockquote>")]
    assert "the keynote" not in quotation and "<strong>support</strong>" in quotation


def test_a_link_inside_the_quotation_is_refused_with_the_way_out(client, blog, editor, speaker):
    before = entries()
    for source in ("Read it at https://aurora.com/x", "See [this](https://aurora.com)"):
        response = api_post(
            client, blog, editor, kind="quote", source=source, speaker_id=speaker.id
        )
        assert response.status_code == 422
        assert "move the link to the context" in response.get_json()["fields"]["source"]
    assert entries() == before


def test_context_on_a_text_entry_is_refused(client, blog, editor):
    response = api_post(client, blog, editor, source="Doors open", context="Hall 3:")
    assert response.status_code == 422
    assert "context" in response.get_json()["fields"]
    response = api_post(client, blog, editor, source="Doors open", context=7)
    assert response.status_code == 422 and entries() == 0


def test_context_is_sanitised_and_bounded(client, blog, editor, speaker):
    quote = {"kind": "quote", "source": "Yes.", "speaker_id": speaker.id}
    response = api_post(client, blog, editor, **quote, context="<script>x()</script>**Q:**")
    assert response.status_code == 201
    html = response.get_json()["context_html"]
    assert "<script" not in html and "<p><strong>Q:</strong></p>" in html
    response = api_post(client, blog, editor, **quote, context="x" * 1001)
    assert response.status_code == 422 and "1000" in response.get_json()["fields"]["context"]


def test_desk_json_posts_context_and_an_edit_keeps_the_old_one(client, blog, editor, speaker):
    assert login(client, editor).status_code == 302
    token = csrf_token(client, f"/desk/blogs/{blog.id}")
    headers = {"X-CSRFToken": token}
    body = {
        "kind": "quote",
        "source": "We ship in May.",
        "speaker_id": speaker.id,
        "context": "On the launch date:",
        "idempotency_key": "desk-context-0001",
    }
    response = client.post(f"/desk/blogs/{blog.id}/entries", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    entry_id = response.get_json()["id"]
    edit = {**body, "context": "On the delayed launch:", "base_version": 1}
    response = client.post(f"/desk/entries/{entry_id}", json=edit, headers=headers)
    assert response.status_code == 200 and response.get_json()["version"] == 2
    db.session.remove()
    assert db.session.get(Entry, entry_id).context_html == "<p>On the delayed launch:</p>"
    revision = db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry_id))
    assert revision.context == "On the launch date:"


def test_the_desk_form_keeps_and_sends_context(client, reporter, blog, speaker):
    assert login(client, reporter).status_code == 302
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert '<textarea name="context"' in page and 'id="hub-link-button"' in page
    assert f"/e/{blog.event.slug}/" in page  # the hub's address, shown without script
    data = {
        "csrf_token": csrf_token(client, f"/desk/blogs/{blog.id}"),
        "idempotency_key": "form-context-0001",
        "kind": "quote",
        "speaker_id": str(speaker.id),
        "source": "Not before May.",
        "context": "Pressed on the date:",
        "mode": "publish",
    }
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 302
    db.session.remove()
    entry = db.session.scalar(select(Entry))
    assert entry.context == "Pressed on the date:"
    edit_page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert "Pressed on the date:</textarea>" in edit_page


def test_a_contributors_held_edit_of_a_quote_keeps_its_context(blog, editor, make_user, speaker):
    from blog.actions import pending_edits
    from blog.models import Role

    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    quote = actions.EntryInput(
        kind="quote", source="We ship in May.", speaker_id=speaker.id, context="On the delay:"
    )
    entry, _ = actions.post_entry(contributor, blog.id, quote, uuid.uuid4().hex)
    entry = actions.approve_entry(editor, entry.id, entry.version)
    edit = actions.EntryInput(
        kind="quote", source="We ship in June.", speaker_id=speaker.id, context="Asked again:"
    )
    actions.edit_entry(contributor, entry.id, entry.version, edit)
    assert db.session.get(Entry, entry.id, populate_existing=True).context == "On the delay:"
    waiting = pending_edits.pending_edit_of(entry.id)
    actions.approve_entry(editor, entry.id, entry.version, waiting.revision)
    published = db.session.get(Entry, entry.id, populate_existing=True)
    assert (published.source, published.context) == ("We ship in June.", "Asked again:")
    assert "Asked again:" in published.context_html
