"""The OpenAPI 3.1 document of the JSON API (/api/v1), served at /api/v1/openapi.json.

Written by hand next to the routes it describes; tests/test_api_fuzz.py
fuzzes the running app against it, so a route and its document cannot drift.
"""

from __future__ import annotations

from blog.api.openapi_schemas import BOOLEAN, ID, INTEGER, STRING, obj, ref, schemas
from blog.models import BlogStatus

TOKEN: list[dict[str, list[str]]] = [{"bearerAuth": []}]
# Reads need no token, but one that is sent is checked (expired, revoked, out of scope).
OPTIONAL_TOKEN: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]
ERRORS = {
    "400": "A number out of range, or a token put in the URL.",
    "401": "No token, or one that is unknown, revoked, expired or of a deactivated account.",
    "403": "The account may not do this, or the token is limited to another event.",
    "404": "No such blog, entry or event (or not visible to readers yet).",
    "409": "The entry changed since base_version (`current` is the entry as it is now), "
    "or the first request with this idempotency key is still running.",
    "410": "The entry was retracted.",
    "413": "The body is too large.",
    "422": "The input breaks a rule; `fields` names what to fix.",
    "429": "Too many requests; wait Retry-After seconds.",
    "503": "The database is briefly unavailable; retry after Retry-After seconds.",
}
READ_ERRORS = ("400", "401", "403", "404", "503")
WRITE_ERRORS = ("400", "401", "403", "404", "413", "422", "429", "503")


KEY_PATTERN = "^[A-Za-z0-9_-]{8,64}$"


def key_param(required: bool = False) -> dict:
    """The Idempotency-Key header: required on creates, optional on every other write."""
    schema = {"type": "string", "pattern": KEY_PATTERN}
    return {"name": "Idempotency-Key", "in": "header", "required": required, "schema": schema}


def _error(code: str) -> dict:
    response = {
        "description": ERRORS[code],
        "content": {"application/json": {"schema": ref("Error")}},
    }
    if code in ("429", "503"):
        response["headers"] = {"Retry-After": {"schema": INTEGER}}
    return response


def ok(schema: str, description: str, code: str = "200") -> dict:
    """A success response carrying one of the document's schemas."""
    return {
        code: {
            "description": description,
            "content": {"application/json": {"schema": ref(schema)}},
        }
    }


def path_id(name: str) -> dict:
    """An integer id in the path."""
    return {"name": name, "in": "path", "required": True, "schema": ID, "example": 1}


def json_request(schema: dict) -> dict:
    """A required JSON request body of this schema."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, responses: dict, errors, params=(), body=None, auth=TOKEN) -> dict:
    """One operation: its summary, security, parameters, responses and error responses."""
    operation = {
        "summary": summary,
        "security": auth,
        "parameters": list(params),
        "responses": {**responses, **{code: _error(code) for code in errors}},
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def read(summary: str, schema: str, params=(), extra=()) -> dict:
    """A read: no token needed (one sent is checked), the usual read errors."""
    return operation(
        summary, ok(schema, summary), (*READ_ERRORS, *extra), params, auth=OPTIONAL_TOKEN
    )


def _entry_write(summary: str, body=None, extra=(), held: bool = False) -> dict:
    params = [path_id("entry_id"), key_param()]
    responses = ok("Entry", "The entry.")
    if held:
        waiting = "A contributor's change of a published entry awaits an editor; as published."
        responses |= ok("Entry", waiting, "202")
    return operation(summary, responses, (*WRITE_ERRORS, "409", *extra), params, body)


def _paths() -> dict:
    since = {"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}}
    before = {"name": "before", "in": "query", "schema": ID}
    slug = {"name": "event_slug", "in": "path", "required": True, "schema": STRING}
    status_body = obj({"status": {"enum": [s.value for s in BlogStatus]}})
    return {
        "/blogs/{blog_id}": {"get": read("A blog and its head seq.", "Blog", [path_id("blog_id")])},
        "/blogs/{blog_id}/changes": {
            "get": read("Changes after since.", "ChangePage", [path_id("blog_id"), since], ["422"])
        },
        "/events/{event_id}/changes": {
            "get": read(
                "Hub changes after since.",
                "EventChangePage",
                [path_id("event_id"), since],
                ["422"],
            )
        },
        "/blogs/{blog_id}/entries": {
            "get": read(
                "Published entries, newest first.", "EntryPage", [path_id("blog_id"), before]
            ),
            "post": operation(
                "Post an entry (201), or return the entry of a known idempotency key (200).",
                {**ok("Entry", "Created.", "201"), **ok("Entry", "Known key: the first entry.")},
                WRITE_ERRORS,
                [path_id("blog_id")],
                json_request(ref("EntryFields")),
            ),
        },
        "/entries/{entry_id}": {
            "get": read("One published entry.", "Entry", [path_id("entry_id")], ["410"]),
            "patch": _entry_write(
                "Edit an entry.", json_request(ref("EntryEdit")), ["409"], held=True
            ),
        },
        "/entries/{entry_id}/retract": {"post": _entry_write("Retract an entry.")},
        "/entries/{entry_id}/pin": {"post": _entry_write("Pin an entry (editors).")},
        "/entries/{entry_id}/unpin": {"post": _entry_write("Unpin an entry (editors).")},
        "/entries/{entry_id}/key": {
            "post": _entry_write(
                "Mark or unmark a key moment (editors).",
                {
                    "content": {
                        "application/json": {"schema": obj({"is_key": BOOLEAN}, ("is_key",))}
                    }
                },
            )
        },
        "/entries/{entry_id}/media": {
            "post": _entry_write(
                "Attach an uploaded photo.", json_request(obj({"media_id": ID})), ["409"], held=True
            )
        },
        "/blogs/{blog_id}/status": {
            "post": operation(
                "Set a blog live or ended, or reopen an ended one (editors).",
                ok("Blog", "The blog."),
                (*WRITE_ERRORS, "409"),
                [path_id("blog_id"), key_param()],
                json_request(status_body),
            )
        },
        "/events/{event_slug}/speakers": {
            "get": read(
                "The event's speaker roster, or those matching q (accents and case aside).",
                "SpeakerList",
                [slug, {"name": "q", "in": "query", "schema": STRING}],
            )
        },
        "/media": {"post": _upload_operation()},
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "security": OPTIONAL_TOKEN,
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **{code: _error(code) for code in READ_ERRORS},
                },
            }
        },
    }


def _upload_operation() -> dict:
    form = obj(
        {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "blog_id": ID,
            "alt": STRING,
            "caption": STRING,
            "credit": STRING,
            "idempotency_key": STRING,
        },
        optional=("caption", "credit", "idempotency_key"),
    )
    body = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    return operation(
        "Upload a photo for a blog's event.",
        {**ok("Media", "Stored.", "201"), **ok("Media", "Known key: the first photo.")},
        WRITE_ERRORS,
        body=body,
    )


def _merged(paths: dict, more: dict) -> dict:
    for path, methods in more.items():
        paths.setdefault(path, {}).update(methods)
    return paths


def document() -> dict:
    """The whole OpenAPI document, as a JSON-ready dict."""
    # Here, not at the top: the editor's paths are built with this module's helpers.
    from blog.api.openapi_editor import editor_paths, editor_schemas

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Showfloor JSON API",
            "version": "1",
            "description": "Live blogs of conferences: reads, the change cursor and writes. "
            "The guide with examples is docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _merged(_paths(), editor_paths()),
        "components": {
            "schemas": {**schemas(), **editor_schemas()},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "sf_…"}
            },
        },
    }
