"""Pathological Markdown is cut off by a time bound and refused with a clear message."""

from __future__ import annotations

import uuid

import pytest
from conftest import api_headers
from sqlalchemy import func, select

from blog.content import rendering
from blog.content.rendering import RenderError, render_markdown
from blog.models import Entry
from blog.platform import db

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
