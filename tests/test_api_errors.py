"""API clients get JSON errors everywhere, and fields they may not set are refused."""

from __future__ import annotations

import uuid

from conftest import api_headers

from blog.content import queries


def test_routing_errors_answer_json(client, make_blog, editor):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and "error" in missing.get_json()
    response = client.delete("/api/v1/blogs/1/changes")
    assert response.status_code == 405 and "error" in response.get_json()
    blog = make_blog()
    big = client.post(
        f"/api/v1/blogs/{blog.id}/entries",
        data=b"x" * (32 * 1024 * 1024),
        content_type="application/json",
        headers=api_headers(editor),
    )
    assert big.status_code == 413 and "error" in big.get_json()


def test_people_still_get_pages(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_patch_refuses_unknown_fields_and_changes_nothing(client, make_blog, make_entry, editor):
    blog = make_blog()
    entry = make_entry(blog, source="v1")
    seq = queries.blog_by_id(blog.id).last_seq
    refusals = [
        ({"base_version": 1, "sorce": "typo"}, "Unknown fields: sorce."),
        ({"base_version": 1, "status": "published"}, "Set by the server, not by a client: status."),
    ]
    for body, error in refusals:
        response = client.patch(
            f"/api/v1/entries/{entry.id}", json=body, headers=api_headers(editor)
        )
        assert response.status_code == 422 and error in response.get_json()["error"]
    assert queries.blog_by_id(blog.id).last_seq == seq


def test_api_edit_keeps_and_sets_the_correction_note(client, make_blog, make_entry, editor):
    entry = make_entry(make_blog(), source="Price €1,199")
    headers = api_headers(editor)
    body = {"base_version": 1, "source": "Price €1,099", "correction_note": "Fixed the price."}
    first = client.patch(f"/api/v1/entries/{entry.id}", json=body, headers=headers).get_json()
    second = client.patch(
        f"/api/v1/entries/{entry.id}",
        json={"base_version": 2, "headline": "Price"},
        headers=headers,
    ).get_json()
    assert first["version"] == 2 and second["version"] == 3
    assert first["correction_note"] == second["correction_note"] == "Fixed the price."


def test_is_key_must_be_a_boolean(client, make_blog, editor):
    blog = make_blog()
    body = {"source": "x", "is_key": "no", "idempotency_key": uuid.uuid4().hex}
    response = client.post(
        f"/api/v1/blogs/{blog.id}/entries", json=body, headers=api_headers(editor)
    )
    assert response.status_code == 422 and "is_key" in response.get_json()["error"]


def test_numbers_too_large_for_an_id_are_refused_not_crashed(client, make_blog):
    blog = make_blog()
    huge = "99999999999999999999"
    assert client.get(f"/api/v1/entries/{huge}").status_code == 404
    assert client.get(f"/e/{blog.event.slug}/{blog.slug}/entries/{huge}").status_code == 404
    assert client.get(f"/api/v1/blogs/{blog.id}/changes?since={huge}").status_code in (400, 422)
    assert client.get(f"/api/v1/blogs/{blog.id}/entries?before={huge}").status_code in (400, 404)
    assert client.get(f"/e/{blog.event.slug}/{blog.slug}/?before={huge}").status_code in (400, 404)
