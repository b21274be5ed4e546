"""Pathological Markdown is cut off by a time bound and refused, and no writer waits on a render."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from conftest import api_headers
from sqlalchemy import func, select

from blog import actions
from blog.content import rendering
from blog.content.rendering import RenderError, render_markdown
from blog.models import Entry, LiveBlog
from blog.platform import db
from blog.platform.errors import Invalid

# Each takes Python-Markdown several times the 1 s bound on an idle machine
# (12 s, 7.6 s, 2.5 s, 4.5 s measured here), so the refusal does not depend on load.
PATHOLOGICAL = {
    "open brackets": "[" * 8000,
    "open image brackets": "![" * 4000,
    "unclosed link targets": "[a](" * 2499,
    "spread brackets": " ".join(["[xxx"] * 1998),
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_is_refused(text):
    with pytest.raises(RenderError, match="too complex"):
        render_markdown(text)


def test_deep_nesting_is_refused():
    with pytest.raises(RenderError, match="nested too deeply"):
        render_markdown("- " * 1000 + "deep")


def test_the_worker_renders_exactly_what_the_pipeline_does():
    text = "Specs: [sheet](https://example.com/a?b=1&c=2) *and* `code` <b>x</b> www.a.example\n\n"
    # A generous limit: this checks the output, not the speed, on a busy machine.
    pool = rendering.WorkerPool(1)
    try:
        assert pool.render(text * 40, timeout=60) == rendering.render_here(text * 40)
    finally:
        pool.close()


def test_a_killed_worker_is_replaced():
    pool = rendering.WorkerPool(1)
    try:
        with pytest.raises(RenderError, match="too complex"):
            pool.render("[" * 8000, timeout=0.2)
        assert pool.render("*back*", timeout=60) == "<p><em>back</em></p>"
    finally:
        pool.close()


def test_api_answers_422_and_writes_nothing(client, make_blog, editor):
    blog = make_blog()
    body = {"source": "[" * 8000, "idempotency_key": uuid.uuid4().hex}
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries", json=body, headers=api_headers(editor)
    )
    assert response.status_code == 422
    assert "too complex" in response.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


@contextlib.contextmanager
def writers_held_off(database_url: str, blog_id: int):
    """Hold what a writer to this blog waits for, from a connection of the test's own.

    On SQLite that is the database's write lock; on PostgreSQL, the blog's row.
    """
    engine = db.make_engine(database_url)
    try:
        with engine.connect().execution_options(**{db.WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(select(LiveBlog.id).where(LiveBlog.id == blog_id).with_for_update())
            yield
    finally:
        engine.dispose()


TOO_DEEP = "- " * 1000 + "deep"


def test_a_render_waits_for_no_database_lock(client, make_blog, editor, database_url):
    # Writers render before they lock: a text the worker refuses is answered at once while
    # another writer holds the lock (before, the post waited out SQLite's 10 s busy timeout,
    # and an edit waited on PostgreSQL's blog row for as long as it was held).
    blog = make_blog()
    headers = api_headers(editor)
    body = {"source": "Before the lock.", "idempotency_key": uuid.uuid4().hex}
    posted = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
    assert posted.status_code == 201
    entry_id = posted.get_json()["id"]
    with writers_held_off(database_url, blog.id):
        body = {"source": TOO_DEEP, "idempotency_key": uuid.uuid4().hex}
        new = client.post(f"/api/v1/blogs/{blog.id}/entries", json=body, headers=headers)
        edit = client.patch(
            f"/api/v1/entries/{entry_id}",
            json={"base_version": 1, "source": TOO_DEEP},
            headers=headers,
        )
    for response in (new, edit):
        assert response.status_code == 422
        assert "nested too deeply" in response.get_json()["error"]
    entry = db.session.get(Entry, entry_id)
    assert (entry.version, entry.source) == (1, "Before the lock.")
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_a_hub_summary_renders_before_it_locks(make_blog, editor, database_url):
    blog = make_blog()
    with writers_held_off(database_url, blog.id), pytest.raises(Invalid, match="too deeply"):
        actions.set_hub_summary(editor, blog.event_id, TOO_DEEP)
