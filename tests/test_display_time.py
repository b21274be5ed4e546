"""Backdating: an editor sets when an entry is shown as posted; its seq stays the stream's next."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import api_headers, csrf_token, login
from sqlalchemy import select

from blog import actions
from blog.content import timeline
from blog.models import ORDER_NEWEST, AuditRecord, Change, Entry
from blog.platform import db

AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


def test_an_editor_backdates_an_entry_into_its_place(blog, make_entry, editor):
    first, late = make_entry(blog, source="First"), make_entry(blog, source="From the dead zone")
    seq_before = blog.last_seq
    actions.set_display_time(editor, late.id, AN_HOUR_AGO)
    db.session.expire_all()
    page = timeline.page(blog, ORDER_NEWEST, timeline.Filters())
    assert [e.id for e in page.entries] == [first.id, late.id]
    assert db.session.get(Entry, late.id).published_at == AN_HOUR_AGO
    change = db.session.scalar(select(Change).where(Change.seq == seq_before + 1))
    assert (change.type, change.entry_id, change.blog_id) == ("entry_edited", late.id, blog.id)
    assert AN_HOUR_AGO.isoformat() in change.payload["html"]
    audited = select(AuditRecord).where(AuditRecord.action == "entry.display_time")
    record = db.session.scalar(audited)
    assert record.object_id == late.id and record.detail["after"] == AN_HOUR_AGO.isoformat()


def test_the_api_sets_display_at_for_editors_only(client, blog, make_entry, editor, reporter):
    entry = make_entry(blog, author=reporter)
    body = {"display_at": "2027-03-01T10:15:00+01:00"}
    refused = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(reporter))
    assert refused.status_code == 403 and "display_at" in refused.get_json()["error"]
    ok = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(editor))
    assert ok.status_code == 422  # 2027 is in the future of this test's clock
    body = {"display_at": AN_HOUR_AGO.isoformat()}
    ok = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(editor))
    assert ok.status_code == 200, ok.get_json()
    assert datetime.fromisoformat(ok.get_json()["published_at"]) == AN_HOUR_AGO
    assert ok.get_json()["version"] == entry.version  # not an edit: open editors stay valid
    bad = client.patch(
        f"/api/v1/entries/{entry.id}", json={"display_at": "yesterday"}, headers=api_headers(editor)
    )
    assert bad.status_code == 422 and "display_at" in bad.get_json()["error"]


def test_the_desk_edit_page_sets_the_display_time(client, blog, make_entry, editor):
    entry = make_entry(blog)
    login(client, editor)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'name="display_at"' in page
    local = AN_HOUR_AGO.astimezone(ZoneInfo(blog.event.timezone))
    form = {
        "csrf_token": csrf_token(client, f"/desk/entries/{entry.id}/edit"),
        "display_at": local.strftime("%Y-%m-%dT%H:%M"),
    }
    reply = client.post(f"/desk/entries/{entry.id}/display-time", data=form)
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).published_at == AN_HOUR_AGO.replace(second=0)
    assert re.search(r"Shown as posted at", page)


def test_the_desk_hides_the_control_from_reporters(client, blog, make_entry, reporter):
    entry = make_entry(blog, author=reporter)
    login(client, reporter)
    page = client.get(f"/desk/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'name="display_at"' not in page
    form = {"csrf_token": csrf_token(client, "/desk/"), "display_at": "2020-01-01T10:00"}
    assert client.post(f"/desk/entries/{entry.id}/display-time", data=form).status_code == 403
