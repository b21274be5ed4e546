"""The audit log pages per event, entry and person, paged by cursor; and the export link."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from conftest import login

try:  # moving from test_api into conftest; either place works
    from conftest import IsolatedClient
except ImportError:
    from test_api import IsolatedClient

from blog import actions
from blog.editor.records import PAGE_SIZE
from blog.models import Role


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Each request in its own context, as in production."""
    app.test_client_class = IsolatedClient


@pytest.fixture
def desk(app, editor):
    client = app.test_client()
    login(client, editor)
    return client


def audit_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-audit-id="(\d+)"', page)]


def test_event_log_lists_every_kind_of_action(desk, make_blog, make_user, editor):
    blog = make_blog()
    contributor = make_user(Role.CONTRIBUTOR, events=[blog.event])
    pending, _ = actions.post_entry(
        contributor, blog.id, actions.EntryInput(source="x"), uuid.uuid4().hex
    )
    actions.return_entry(editor, pending.id, pending.version, "Add a source")
    actions.unassign_from_event(editor, contributor.id, blog.event_id)
    page = desk.get(f"/records/events/{blog.event.slug}/audit").get_data(as_text=True)
    for action in ("entry.create", "entry.return", "user.assign", "user.unassign", "blog.live"):
        assert f"<td>{action}</td>" in page
    assert "Add a source" in page


def test_entry_and_person_logs(desk, make_blog, make_entry, editor, make_user):
    blog = make_blog()
    entry = make_entry(blog)
    actions.pin_entry(editor, entry.id)
    page = desk.get(f"/records/entries/{entry.id}/audit").get_data(as_text=True)
    assert "<td>entry.create</td>" in page and "<td>entry.pin</td>" in page
    reporter = make_user(Role.REPORTER)
    actions.deactivate_user(editor, reporter.id)
    person = desk.get(f"/records/people/{reporter.id}/audit").get_data(as_text=True)
    assert "<td>user.deactivate</td>" in person and "<td>user.create</td>" in person
    by_editor = desk.get(f"/records/people/{editor.id}/audit").get_data(as_text=True)
    assert "<td>entry.pin</td>" in by_editor and "<td>user.deactivate</td>" in by_editor


def test_the_cursor_pages_back_without_gaps_or_repeats(desk, make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog)
    for n in range(PAGE_SIZE + 5):
        actions.pin_entry(editor, entry.id, n % 2 == 0)
    path = f"/records/entries/{entry.id}/audit"
    first = desk.get(path).get_data(as_text=True)
    cursor = re.search(r'href="\?before=(\d+)"', first).group(1)
    second = desk.get(f"{path}?before={cursor}").get_data(as_text=True)
    ids = audit_ids(first) + audit_ids(second)
    assert len(audit_ids(first)) == PAGE_SIZE
    assert ids == sorted(set(ids), reverse=True) and len(ids) == PAGE_SIZE + 6
    assert "?before=" not in second
    assert desk.get(f"{path}?before=abc").status_code == 400


def test_records_are_for_editors_only(app, make_blog, make_user):
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event])
    client = app.test_client()
    paths = [
        f"/records/events/{blog.event.slug}/audit",
        f"/records/people/{reporter.id}/audit",
        f"/records/events/{blog.event.slug}/export.json",
    ]
    assert all(client.get(p).status_code == 302 for p in paths)
    login(client, reporter)
    assert all(client.get(p).status_code == 403 for p in paths)


def test_editors_download_the_export(desk, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="In the export")
    response = desk.get(f"/records/events/{blog.event.slug}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert [e["source"] for e in data["tables"]["entry"]] == ["In the export"]
    assert "export.json" in desk.get("/review/").get_data(as_text=True)
