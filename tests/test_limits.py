"""Abuse limits on HTTP: logins, posts and uploads per address and account, 429 with Retry-After."""

from __future__ import annotations

import io
import uuid

import pytest
from conftest import PASSWORD, api_headers, csrf_token, login
from limits_support import ELSEWHERE, HOME, attempt_login, clock_fixture, set_limits  # noqa: F401
from PIL import Image
from sqlalchemy import func, select

from blog.models import Entry, Media, Role
from blog.platform import db


@pytest.fixture
def colleague(make_user, blog):
    return make_user(Role.REPORTER, events=[blog.event])


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def media_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Media))


def api_post(client, blog, headers, ip: str = HOME):
    body = {"source": "From the keynote.", "idempotency_key": uuid.uuid4().hex}
    return client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        json=body,
        headers=headers,
        environ_base={"REMOTE_ADDR": ip},
    )


def assert_refused_json(response, retry_after: int, words: str) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(retry_after)
    body = response.get_json()
    assert body["retry_after"] == retry_after
    assert words in body["error"]


# ---- logins -------------------------------------------------------------------


def test_login_attempts_per_account_trip_at_the_limit_and_keep_the_typed_email(
    app, client, clock, reporter
):
    set_limits(app, login_account=(3, 900))
    for _ in range(3):
        assert attempt_login(client, reporter.email).status_code == 401
    clock.move(100)
    # The right password now: refused all the same, and no session starts.
    refused = attempt_login(client, reporter.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "800"
    page = refused.get_data(as_text=True)
    assert "Too many sign-in attempts. Wait 14 minutes" in page
    assert f'value="{reporter.email}"' in page
    assert client.get("/desk/").status_code == 302
    # The limit is per typed account, whatever its case or spaces.
    assert attempt_login(client, f" {reporter.email.upper()} ").status_code == 429


def test_login_limit_of_one_account_spares_the_others_and_resets_with_the_window(
    app, client, clock, reporter, colleague
):
    set_limits(app, login_account=(2, 900))
    for _ in range(3):
        attempt_login(client, reporter.email)
    assert attempt_login(client, colleague.email, PASSWORD).status_code == 302
    assert attempt_login(client, reporter.email, PASSWORD).status_code == 429
    clock.move(900)
    assert attempt_login(client, reporter.email, PASSWORD).status_code == 302
    assert client.get("/desk/").status_code == 200


def test_login_limit_per_address_spares_other_addresses(app, client, clock, reporter):
    set_limits(app, login_ip=(3, 900))
    for n in range(3):
        assert attempt_login(client, f"guess{n}@example.test").status_code == 401
    assert attempt_login(client, reporter.email, PASSWORD).status_code == 429
    assert attempt_login(client, reporter.email, PASSWORD, ip=ELSEWHERE).status_code == 302


# ---- posts --------------------------------------------------------------------


def test_api_posts_per_account_answer_json_429_and_write_nothing(
    app, client, clock, blog, reporter, colleague
):
    set_limits(app, post_account=(3, 60))
    headers = api_headers(reporter)
    assert [api_post(client, blog, headers).status_code for _ in range(3)] == [201] * 3
    clock.move(15)
    before = entry_count()
    refused = api_post(client, blog, headers)
    assert_refused_json(refused, 45, "not posted: wait 45 seconds")
    assert entry_count() == before
    assert api_post(client, blog, api_headers(colleague)).status_code == 201
    clock.move(45)
    assert api_post(client, blog, headers).status_code == 201


def test_posts_per_address_are_shared_by_the_accounts_behind_it(
    app, client, clock, blog, reporter, colleague
):
    set_limits(app, post_ip=(2, 60))
    assert api_post(client, blog, api_headers(reporter)).status_code == 201
    assert api_post(client, blog, api_headers(colleague)).status_code == 201
    before = entry_count()
    assert api_post(client, blog, api_headers(colleague)).status_code == 429
    assert entry_count() == before
    assert api_post(client, blog, api_headers(colleague), ip=ELSEWHERE).status_code == 201


def test_desk_outbox_post_over_the_limit_gets_json_429(app, client, clock, blog, reporter):
    set_limits(app, post_account=(1, 60))
    login(client, reporter)
    headers = {"X-CSRFToken": csrf_token(client, "/desk/"), "Accept": "application/json"}

    def send():
        body = {"source": "Queued offline.", "idempotency_key": uuid.uuid4().hex}
        return client.post(f"/desk/blogs/{blog.id}/entries", json=body, headers=headers)

    assert send().status_code == 201
    before = entry_count()
    assert_refused_json(send(), 60, "wait 60 seconds")
    assert entry_count() == before


def test_composer_form_over_the_limit_is_a_page_that_keeps_the_text(
    app, client, clock, blog, reporter
):
    set_limits(app, post_account=(1, 60))
    login(client, reporter)

    def publish(source: str):
        form = {
            "csrf_token": csrf_token(client, f"/desk/blogs/{blog.id}"),
            "kind": "text",
            "source": source,
            "idempotency_key": uuid.uuid4().hex,
        }
        return client.post(f"/desk/blogs/{blog.id}", data=form)

    assert publish("First from the floor.").status_code == 302
    before = entry_count()
    refused = publish("The CEO just announced the new chip.")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    page = refused.get_data(as_text=True)
    assert "Too many entries in a short time" in page
    assert "The CEO just announced the new chip." in page
    assert entry_count() == before


# ---- uploads ------------------------------------------------------------------


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 20, 220)).save(out, "PNG")
    return out.getvalue()


def test_uploads_per_account_count_the_api_and_the_desk_together(
    app, client, clock, blog, reporter, colleague
):
    set_limits(app, upload_account=(2, 600))

    def api_upload(user):
        form = {
            "blog_id": str(blog.id),
            "alt": "Hall 3",
            "file": (io.BytesIO(small_png()), "a.png"),
        }
        return client.post("/api/v1/media", data=form, headers=api_headers(user))

    assert api_upload(reporter).status_code == 201
    login(client, reporter)
    form = {"blog_id": str(blog.id), "alt": "Hall 3", "file": (io.BytesIO(small_png()), "b.png")}
    token = csrf_token(client, "/desk/")
    assert client.post("/desk/media", data=form, headers={"X-CSRFToken": token}).status_code == 201
    before = media_count()
    assert_refused_json(api_upload(reporter), 600, "not kept: wait 10 minutes")
    # The composer's photo form (without script) counts the same.
    form = {
        "csrf_token": csrf_token(client, f"/desk/blogs/{blog.id}"),
        "kind": "image",
        "alt": "Hall 3",
        "source": "The stand at opening.",
        "idempotency_key": uuid.uuid4().hex,
        "file": (io.BytesIO(small_png()), "c.png"),
    }
    refused = client.post(f"/desk/blogs/{blog.id}", data=form)
    assert refused.status_code == 429
    assert "The stand at opening." in refused.get_data(as_text=True)
    assert media_count() == before
    assert api_upload(colleague).status_code == 201


# ---- the client's address -----------------------------------------------------


def test_a_forged_forwarded_for_neither_evades_nor_exhausts_a_limit(app, client, clock, reporter):
    set_limits(app, login_ip=(2, 900))
    # Without a trusted proxy the header is the client's own words: ignored.
    for forged in ("192.0.2.10", "192.0.2.11"):
        headers = {"X-Forwarded-For": forged}
        data = {"email": "x@example.test", "password": "no", "csrf_token": csrf_token(client)}
        client.post("/login", data=data, headers=headers, environ_base={"REMOTE_ADDR": HOME})
    assert attempt_login(client, reporter.email, PASSWORD).status_code == 429

    # Behind one proxy, only the address it appended counts: the attacker at
    # 203.0.113.9 forging the victim's address burns its own count.
    app.config["TRUSTED_PROXIES"] = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(2):
        headers = {"X-Forwarded-For": f"{ELSEWHERE}, 203.0.113.9"}
        data = {"email": "x@example.test", "password": "no", "csrf_token": csrf_token(client)}
        client.post("/login", data=data, headers=headers, environ_base=proxy)
    victim = {"X-Forwarded-For": ELSEWHERE}
    data = {"email": reporter.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=data, headers=victim, environ_base=proxy).status_code == 302


def test_a_locked_account_still_opens_on_a_device_it_used_before(app, client, clock, reporter):
    known, stranger = client, app.test_client()
    assert attempt_login(known, reporter.email, PASSWORD).status_code == 302
    # With that login, ten attempts on the account: its limit is reached.
    for _ in range(9):
        assert attempt_login(stranger, reporter.email, ip=ELSEWHERE).status_code == 401
    assert attempt_login(stranger, reporter.email, PASSWORD, ip=ELSEWHERE).status_code == 429
    assert attempt_login(known, reporter.email, PASSWORD).status_code == 302
    clock.move(15 * 60)
    assert attempt_login(stranger, reporter.email, PASSWORD, ip=ELSEWHERE).status_code == 302


def test_a_known_device_is_still_counted_by_its_address(app, client, clock, reporter):
    set_limits(app, login_ip=(3, 900))
    known = client
    assert attempt_login(known, reporter.email, PASSWORD).status_code == 302
    for _ in range(2):
        attempt_login(known, reporter.email)
    assert attempt_login(known, reporter.email, PASSWORD).status_code == 429


def test_a_forged_device_cookie_does_not_lift_the_account_limit(app, client, clock, reporter):
    client.set_cookie("showfloor_device", "forged")
    for _ in range(10):
        attempt_login(client, reporter.email)
    assert attempt_login(client, reporter.email, PASSWORD).status_code == 429
