"""The editor's webhook pages: register by form, the secret shown once, log, redeliver, pause."""

from __future__ import annotations

import re

import pytest
from conftest import api_headers, csrf_token, login
from sqlalchemy import select
from webhook_support import Clock, Receiver

from blog.models import Role, WebhookDelivery, WebhookEndpoint
from blog.platform import db
from blog.webhooks import worker


@pytest.fixture
def desk(app, client, editor, blog):
    app.config.update(CLOCK=Clock(), WEBHOOK_ALLOW_HOSTS=["127.0.0.1"])
    login(client, editor)
    return f"/curate/events/{blog.event.id}/webhooks"


def post_form(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/curate/")})


def test_an_editor_registers_an_endpoint_and_sees_its_secret_once(client, desk, blog, make_entry):
    receiver = Receiver().start()
    try:
        form = {"url": receiver.url, "description": "CMS", "change_types": ["entry_published"]}
        page = post_form(client, desk, form)
        assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
        secret = re.search(r'value="(whsec_[^"]+)"', page.get_data(as_text=True)).group(1)
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.change_types == ["entry_published", "entry_retracted"]
        again = client.get(f"{desk}/{endpoint.id}").get_data(as_text=True)
        assert secret not in again and "whsec_" not in again
        make_entry(blog)
        worker.run_once("page-test")
        log = client.get(f"{desk}/{endpoint.id}").get_data(as_text=True)
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert f'data-delivery-id="{delivery.id}"' in log and "HTTP 200" in log
        path = f"{desk}/{endpoint.id}/deliveries/{delivery.id}"
        assert post_form(client, path, {}).status_code == 302
        worker.run_once("page-test")
        assert [r.delivery_id for r in receiver.received] == [delivery.id] * 2
        assert "redelivery" in client.get(f"{desk}/{endpoint.id}").get_data(as_text=True)
    finally:
        receiver.stop()


def test_refusals_keep_what_was_typed_and_change_nothing(client, desk):
    page = post_form(client, desk, {"url": "https://10.0.0.7/in", "change_types": ["entry_edited"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "public addresses" in text and "https://10.0.0.7/in" in text
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_pause_resume_rotate_and_remove_from_the_page(client, desk, blog):
    form = {"url": "https://hooks.example.org/in", "change_types": ["entry_published"]}
    post_form(client, desk, form)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    page = f"{desk}/{endpoint.id}"
    post_form(client, f"{page}/pause", {"paused": "1"})
    assert 'id="paused"' in client.get(page).get_data(as_text=True)
    desk_page = client.get(f"/curate/events/{blog.event.id}/").get_data(as_text=True)
    assert f'data-paused-webhook="{endpoint.id}"' in desk_page
    post_form(client, f"{page}/pause", {"paused": "0"})
    assert 'id="paused"' not in client.get(page).get_data(as_text=True)
    rotated = post_form(client, f"{page}/rotate", {"keep_previous": "1"}).get_data(as_text=True)
    assert re.search(r'value="whsec_', rotated) and "previous secret also signs" in rotated
    unticked = post_form(client, f"{page}/remove", {})
    assert unticked.status_code == 422 and db.session.get(WebhookEndpoint, endpoint.id)
    assert post_form(client, f"{page}/remove", {"confirm": "yes"}).status_code == 302
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_only_editors_read_webhooks_through_the_api(client, blog, make_user):
    reporter = make_user(Role.REPORTER, events=[blog.event])
    path = f"/api/v1/events/{blog.event.slug}/webhooks"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=api_headers(reporter)).status_code == 403
