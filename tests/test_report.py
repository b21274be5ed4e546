"""The browser desk: login, CSRF, composing, editing with conflicts, retracting and curating."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, csrf_token, login
from sqlalchemy import func, select

from blog import actions
from blog.models import BlogStatus, Change, Entry, EntryRevision, LiveBlog, Role, User
from blog.platform import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def state() -> dict:
    """What a refused write must leave alone, read fresh from the database."""
    entries = select(
        Entry.id, Entry.status, Entry.version, Entry.source, Entry.is_pinned, Entry.is_key
    )
    return {
        "entries": sorted(db.session.execute(entries).all()),
        "blogs": sorted(
            db.session.execute(select(LiveBlog.id, LiveBlog.status, LiveBlog.last_seq)).all()
        ),
        "revisions": count(EntryRevision),
        "changes": count(Change),
    }


def entry_row(entry_id: int) -> Entry:
    return db.session.get(Entry, entry_id, populate_existing=True)


def form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*? value="([^"]*)"', page)
    assert match, f"no {name} field"
    return html.unescape(match.group(1))


def textarea(page: str) -> str:
    match = re.search(r'<textarea[^>]*\bname="source"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no source textarea"
    return html.unescape(match.group(1))


def compose_form(client, blog) -> dict:
    """The composer's hidden fields, as the browser would send them back."""
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    return {
        "csrf_token": form_value(page, "csrf_token"),
        "idempotency_key": form_value(page, "idempotency_key"),
    }


def logged_in(client, user):
    response = login(client, user)
    assert response.status_code == 302
    return client


# --- logging in -----------------------------------------------------------------------------


def test_login_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page and 'name="csrf_token"' in page


def test_login_with_good_credentials_opens_the_desk(client, reporter):
    response = login(client, reporter)
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    desk = client.get("/desk/")
    assert desk.status_code == 200
    assert f"Log out {reporter.name}" in desk.get_data(as_text=True)


def test_login_email_is_case_insensitive(client, reporter):
    token = csrf_token(client)
    data = {"email": reporter.email.upper(), "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


@pytest.mark.parametrize("who", ["wrong-password", "unknown-email"])
def test_login_refused_is_401_and_starts_no_session(client, reporter, who):
    email = reporter.email if who == "wrong-password" else "nobody@example.test"
    password = "not the password" if who == "wrong-password" else PASSWORD
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    response = client.post("/login", data=data)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Wrong email or password" in page
    assert f'value="{email}"' in page  # the email is kept in the form
    assert client.get("/desk/").status_code == 302


def test_deactivated_account_cannot_log_in(client, reporter):
    db.session.get(User, reporter.id).active = False
    db.session.commit()
    response = login(client, reporter)
    assert response.status_code == 401
    assert client.get("/desk/").status_code == 302


def test_deactivation_ends_an_open_session(client, reporter, blog):
    logged_in(client, reporter)
    assert client.get(f"/desk/blogs/{blog.id}").status_code == 200
    db.session.get(User, reporter.id).active = False
    db.session.commit()
    response = client.get(f"/desk/blogs/{blog.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_returns_to_the_page_asked_for(client, reporter, blog):
    response = client.get(f"/desk/blogs/{blog.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/desk/blogs/{blog.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert form_value(page, "next") == f"/desk/blogs/{blog.id}"
    data = {
        "email": reporter.email,
        "password": PASSWORD,
        "csrf_token": form_value(page, "csrf_token"),
        "next": f"/desk/blogs/{blog.id}",
    }
    response = client.post("/login", data=data)
    assert response.headers["Location"] == f"/desk/blogs/{blog.id}"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\t//evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(client, reporter, target):
    data = {
        "email": reporter.email,
        "password": PASSWORD,
        "csrf_token": csrf_token(client),
        "next": target,
    }
    response = client.post("/login", data=data)
    assert response.status_code == 302
    location = response.headers["Location"]
    # Read the way a browser does: tabs and newlines dropped, "\" taken as "/".
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(seen)
    assert not parts.scheme and not parts.netloc and seen.startswith("/"), location


def test_logout(client, reporter):
    logged_in(client, reporter)
    token = csrf_token(client, "/desk/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/desk/").status_code == 302


@pytest.mark.parametrize("path", ["/desk/", "/desk/blogs/{blog}", "/desk/entries/{entry}/edit"])
def test_anonymous_is_sent_to_login(client, blog, make_entry, path):
    entry = make_entry(blog)
    path = path.format(blog=blog.id, entry=entry.id)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path}"


def test_anonymous_post_with_a_token_is_sent_to_login_and_writes_nothing(client, blog):
    before = state()
    data = {"csrf_token": csrf_token(client), "source": "x", "idempotency_key": "anon-key-0001"}
    response = client.post(f"/desk/blogs/{blog.id}", data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert state() == before


# --- CSRF -----------------------------------------------------------------------------------


def test_login_without_csrf_token_is_400(client, reporter):
    response = client.post("/login", data={"email": reporter.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/desk/").status_code == 302


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
def test_writes_without_a_valid_csrf_token_are_400(client, blog, editor, make_entry, token):
    entry = make_entry(blog)
    logged_in(client, editor)
    extra = {} if token is None else {"csrf_token": token}
    writes = [
        (f"/desk/blogs/{blog.id}", {"source": "x", "idempotency_key": "csrf-key-0001"}),
        (f"/desk/entries/{entry.id}/edit", {"source": "x", "base_version": "1"}),
        (f"/desk/entries/{entry.id}/retract", {}),
        (f"/desk/entries/{entry.id}/pin", {}),
        (f"/desk/entries/{entry.id}/key", {}),
        (f"/desk/blogs/{blog.id}/status", {"status": "ended"}),
        ("/logout", {}),
    ]
    before = state()
    for path, data in writes:
        response = client.post(path, data={**data, **extra})
        assert response.status_code == 400, path
    assert state() == before
    assert client.get("/desk/").status_code == 200  # still logged in: logout was refused too


def test_csrf_token_of_another_session_is_refused(client, app, blog, editor):
    other = app.test_client()
    stolen = csrf_token(other)
    logged_in(client, editor)
    before = state()
    data = {"csrf_token": stolen, "source": "x", "idempotency_key": "csrf-key-0002"}
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 400
    assert state() == before


# --- composing ------------------------------------------------------------------------------


def test_desk_lists_the_reporters_live_blogs_only(client, reporter, blog, make_blog, make_event):
    make_blog(event=blog.event, status=BlogStatus.SCHEDULED, slug="later")
    make_blog(event=make_event(), slug="elsewhere")
    logged_in(client, reporter)
    page = client.get("/desk/").get_data(as_text=True)
    assert f'href="/desk/blogs/{blog.id}"' in page
    assert page.count("/desk/blogs/") == 1
    assert "Go live" not in page and "End blog" not in page


def test_publishing_through_the_form(client, reporter, blog):
    logged_in(client, reporter)
    fields = compose_form(client, blog)
    data = {
        **fields,
        "kind": "text",
        "headline": "Doors open",
        "source": "About **two hundred** people in Hall 2.",
        "tags": "crowd, Hall 2",
    }
    seq = db.session.get(LiveBlog, blog.id).last_seq
    response = client.post(f"/desk/blogs/{blog.id}", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/desk/blogs/{blog.id}"

    entry = db.session.scalar(select(Entry))
    assert entry.status.value == "published" and entry.author_id == reporter.id
    assert entry.headline == "Doors open" and entry.is_key is False
    assert entry.html == "<p>About <strong>two hundred</strong> people in Hall 2.</p>"
    assert [t.name for t in entry.tags] == ["crowd", "hall 2"]
    assert entry.idempotency_key == fields["idempotency_key"]
    assert db.session.get(LiveBlog, blog.id, populate_existing=True).last_seq == seq + 1

    desk_page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert "<strong>two hundred</strong>" in desk_page
    assert form_value(desk_page, "idempotency_key") != fields["idempotency_key"]  # a new form
    public = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    assert "<strong>two hundred</strong>" in public


def test_quote_through_the_form(client, reporter, blog):
    speaker = actions.add_speaker(blog.event, "Inés Valbuena", "Chief Executive", "Aurora")
    logged_in(client, reporter)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert "Inés Valbuena, Chief Executive, Aurora" in page
    data = {
        **compose_form(client, blog),
        "kind": "quote",
        "source": "One screwdriver.",
        "speaker_id": str(speaker.id),
    }
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 302
    entry = db.session.scalar(select(Entry))
    assert entry.kind.value == "quote" and entry.speaker_id == speaker.id


def test_validation_error_keeps_the_typed_text(client, reporter, blog):
    logged_in(client, reporter)
    fields = compose_form(client, blog)
    typed = 'He said: "we ship in <b>March</b> & </textarea><script>alert(1)</script>"'
    data = {
        **fields,
        "kind": "quote",
        "headline": "Ship date",
        "source": typed,
        "tags": "launch",
    }
    before = state()
    response = client.post(f"/desk/blogs/{blog.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert textarea(page) == typed
    assert "<script>alert(1)</script>" not in page  # escaped, not injected
    assert form_value(page, "headline") == "Ship date"
    assert form_value(page, "tags") == "launch"
    assert re.search(r'value="quote"\s+checked', page)
    assert "A quote needs a speaker" in page
    # The same key is kept, so fixing and resending still cannot post twice.
    assert form_value(page, "idempotency_key") == fields["idempotency_key"]
    assert state() == before


def test_empty_text_is_422(client, reporter, blog):
    logged_in(client, reporter)
    before = state()
    data = {**compose_form(client, blog), "source": "   "}
    response = client.post(f"/desk/blogs/{blog.id}", data=data)
    assert response.status_code == 422
    assert "Write something first" in response.get_data(as_text=True)
    assert state() == before


def test_resubmitting_the_same_form_creates_one_entry(client, reporter, blog):
    logged_in(client, reporter)
    data = {**compose_form(client, blog), "source": "Battery swap in 41 seconds."}
    first = client.post(f"/desk/blogs/{blog.id}", data=data)
    seq = db.session.get(LiveBlog, blog.id, populate_existing=True).last_seq
    second = client.post(f"/desk/blogs/{blog.id}", data=data)
    assert first.status_code == second.status_code == 302
    assert count(Entry) == 1
    assert db.session.get(LiveBlog, blog.id, populate_existing=True).last_seq == seq


def test_form_without_idempotency_key_is_422(client, reporter, blog):
    logged_in(client, reporter)
    before = state()
    data = {"csrf_token": compose_form(client, blog)["csrf_token"], "source": "x"}
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 422
    assert state() == before


def test_publishing_to_an_ended_blog_is_refused_with_the_text_kept(client, editor, blog):
    logged_in(client, editor)
    fields = compose_form(client, blog)
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    before = state()
    response = client.post(f"/desk/blogs/{blog.id}", data={**fields, "source": "Late news"})
    assert response.status_code == 422
    assert textarea(response.get_data(as_text=True)) == "Late news"
    assert state() == before


def test_contributor_entry_is_pending_and_not_public(client, make_user, blog):
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    logged_in(client, contributor)
    data = {**compose_form(client, blog), "source": "Freelance view from Hall 5"}
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 302
    assert db.session.scalar(select(Entry)).status.value == "pending"
    public = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    assert "Hall 5" not in public


def test_reporter_without_assignment_gets_403(client, make_user, make_event, blog):
    outsider = make_user(Role.REPORTER, events=[make_event()])
    logged_in(client, outsider)
    assert client.get(f"/desk/blogs/{blog.id}").status_code == 403
    token = csrf_token(client, "/desk/")
    before = state()
    data = {"csrf_token": token, "source": "x", "idempotency_key": "outsider-0001"}
    assert client.post(f"/desk/blogs/{blog.id}", data=data).status_code == 403
    assert state() == before


def test_unknown_blog_is_404(client, reporter):
    logged_in(client, reporter)
    assert client.get("/desk/blogs/999999").status_code == 404


# --- editing --------------------------------------------------------------------------------


def test_edit_form_and_save(client, reporter, blog, make_entry):
    entry = make_entry(blog, author=reporter, source="First take", headline="Keynote")
    logged_in(client, reporter)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert textarea(page) == "First take"
    assert form_value(page, "base_version") == "1"
    data = {
        "csrf_token": form_value(page, "csrf_token"),
        "base_version": "1",
        "kind": "text",
        "headline": "Keynote",
        "source": "Second take",
    }
    response = client.post(f"/desk/entries/{entry.id}/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/desk/blogs/{blog.id}"
    row = entry_row(entry.id)
    assert row.version == 2 and row.source == "Second take"
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert "History" in page and "<del>First</del>" in page and "<ins>Second</ins>" in page


def test_stale_edit_shows_both_texts_and_overwrites_nothing(client, editor, blog, make_entry):
    entry = make_entry(blog, source="Original text")
    logged_in(client, editor)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    token = form_value(page, "csrf_token")
    # Someone else saves first.
    actions.edit_entry(editor, entry.id, 1, actions.EntryInput(source="Their correction"))
    before = state()
    data = {"csrf_token": token, "base_version": "1", "kind": "text", "source": "My correction"}
    response = client.post(f"/desk/entries/{entry.id}/edit", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    conflict = re.search(r'<section class="conflict"[^>]*>(.*?)</section>', page, re.S)
    assert conflict, "no conflict section"
    assert "Their correction" in conflict.group(1) and "version 2" in conflict.group(1)
    assert textarea(page) == "My correction"
    assert form_value(page, "base_version") == "2"
    assert state() == before
    assert entry_row(entry.id).source == "Their correction"

    # Saving again on purpose replaces their version, keeping it as a revision.
    data["base_version"] = "2"
    assert client.post(f"/desk/entries/{entry.id}/edit", data=data).status_code == 302
    assert entry_row(entry.id).source == "My correction"
    assert count(EntryRevision) == 2


@pytest.mark.parametrize("base", ["abc", "", "1.0"])
def test_edit_with_a_mangled_base_version_is_a_conflict(client, editor, blog, make_entry, base):
    entry = make_entry(blog, source="Original text")
    logged_in(client, editor)
    token = csrf_token(client, f"/desk/entries/{entry.id}/edit")
    before = state()
    data = {"csrf_token": token, "base_version": base, "kind": "text", "source": "Mine"}
    response = client.post(f"/desk/entries/{entry.id}/edit", data=data)
    assert response.status_code == 409
    assert state() == before


def test_edit_validation_error_keeps_the_typed_text(client, reporter, blog, make_entry):
    entry = make_entry(blog, author=reporter)
    logged_in(client, reporter)
    token = csrf_token(client, f"/desk/entries/{entry.id}/edit")
    before = state()
    data = {"csrf_token": token, "base_version": "1", "kind": "quote", "source": "Now a quote"}
    response = client.post(f"/desk/entries/{entry.id}/edit", data=data)
    assert response.status_code == 422
    assert textarea(response.get_data(as_text=True)) == "Now a quote"
    assert state() == before


def test_reporter_cannot_edit_someone_elses_entry(client, reporter, blog, make_entry):
    entry = make_entry(blog, source="The editor's words")
    logged_in(client, reporter)
    assert client.get(f"/desk/entries/{entry.id}/edit").status_code == 403
    token = csrf_token(client, "/desk/")
    before = state()
    data = {"csrf_token": token, "base_version": "1", "source": "mine now"}
    assert client.post(f"/desk/entries/{entry.id}/edit", data=data).status_code == 403
    assert (
        client.post(f"/desk/entries/{entry.id}/retract", data={"csrf_token": token}).status_code
        == 403
    )
    assert state() == before


# --- retracting and curating ----------------------------------------------------------------


def test_retract_through_the_form_asks_first(client, reporter, blog, make_entry):
    entry = make_entry(blog, author=reporter, source="Wrong figure")
    logged_in(client, reporter)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert f'href="/desk/entries/{entry.id}/retract"' in page
    before = state()
    confirm = client.get(f"/desk/entries/{entry.id}/retract").get_data(as_text=True)
    assert "Retract this entry?" in confirm and "Wrong figure" in confirm
    assert f'action="/desk/entries/{entry.id}/retract"' in confirm
    token = form_value(confirm, "csrf_token")
    # A post without the confirm page's answer (an old form, a stray click) only asks again.
    unconfirmed = client.post(f"/desk/entries/{entry.id}/retract", data={"csrf_token": token})
    assert unconfirmed.status_code == 200 and "Retract this entry?" in unconfirmed.get_data(True)
    assert state() == before
    response = client.post(
        f"/desk/entries/{entry.id}/retract", data={"csrf_token": token, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert entry_row(entry.id).status.value == "retracted"
    assert client.get(f"/e/{blog.event.slug}/{blog.slug}/entries/{entry.id}").status_code == 410
    assert "Wrong figure" not in client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)


def test_editor_pin_and_key_buttons(client, editor, blog, make_entry):
    entry = make_entry(blog, source="The headline news")
    logged_in(client, editor)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    token = form_value(page, "csrf_token")
    assert f'action="/desk/entries/{entry.id}/pin"' in page
    assert f'action="/desk/entries/{entry.id}/key"' in page

    assert (
        client.post(f"/desk/entries/{entry.id}/pin", data={"csrf_token": token}).status_code == 302
    )
    assert entry_row(entry.id).is_pinned is True
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert f'action="/desk/entries/{entry.id}/unpin"' in page

    assert (
        client.post(f"/desk/entries/{entry.id}/key", data={"csrf_token": token}).status_code == 302
    )
    assert entry_row(entry.id).is_key is True
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert f'action="/desk/entries/{entry.id}/unkey"' in page

    client.post(f"/desk/entries/{entry.id}/unpin", data={"csrf_token": token})
    client.post(f"/desk/entries/{entry.id}/unkey", data={"csrf_token": token})
    row = entry_row(entry.id)
    assert row.is_pinned is False and row.is_key is False


def test_reporter_has_no_curation_buttons_and_is_refused(client, reporter, blog, make_entry):
    entry = make_entry(blog, author=reporter)
    logged_in(client, reporter)
    page = client.get(f"/desk/blogs/{blog.id}").get_data(as_text=True)
    assert "/pin" not in page and "/key" not in page
    token = form_value(page, "csrf_token")
    before = state()
    for what in ("pin", "unpin", "key", "unkey"):
        response = client.post(f"/desk/entries/{entry.id}/{what}", data={"csrf_token": token})
        assert response.status_code == 403, what
    assert state() == before


def test_editor_sets_a_blog_live_and_ends_it(client, editor, make_blog):
    blog = make_blog(status=BlogStatus.SCHEDULED)
    logged_in(client, editor)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Go live" in page
    token = form_value(page, "csrf_token")
    url = f"/desk/blogs/{blog.id}/status"
    assert client.post(url, data={"csrf_token": token, "status": "live"}).status_code == 302
    assert db.session.get(LiveBlog, blog.id, populate_existing=True).status == BlogStatus.LIVE
    before = state()
    asked = client.post(url, data={"csrf_token": token, "status": "ended"})
    assert asked.status_code == 200 and "End blog" in asked.get_data(as_text=True)
    assert state() == before
    ended = {"csrf_token": token, "status": "ended", "confirm": "yes"}
    assert client.post(url, data=ended).status_code == 302
    assert db.session.get(LiveBlog, blog.id, populate_existing=True).status == BlogStatus.ENDED
    before = state()
    assert client.post(url, data={"csrf_token": token, "status": "paused"}).status_code == 400
    assert state() == before


def test_reporter_cannot_set_blog_status(client, reporter, blog):
    logged_in(client, reporter)
    token = csrf_token(client, "/desk/")
    before = state()
    response = client.post(
        f"/desk/blogs/{blog.id}/status", data={"csrf_token": token, "status": "ended"}
    )
    assert response.status_code == 403
    assert state() == before
