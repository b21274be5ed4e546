"""OpenAPI paths and schemas of discovery and the editor's API (openapi.py has the rest)."""

from __future__ import annotations

from blog.actions.features import MAX_FEATURES
from blog.api.openapi import (
    WRITE_ERRORS,
    json_request,
    key_param,
    ok,
    operation,
    path_id,
    read,
)
from blog.api.openapi_schemas import BOOLEAN, ID, INTEGER, STRING, TIME, nullable, obj, ref
from blog.api.resources import EVENT_STATUSES

SLUG = {"name": "event_slug", "in": "path", "required": True, "schema": STRING}
WHO = {"name": "who", "in": "path", "required": True, "schema": STRING}
KEYED = (*WRITE_ERRORS, "409")
DATE = {"type": "string", "format": "date"}


def _create(summary: str, schema: str, body: str, params=()) -> dict:
    return operation(
        summary,
        ok(schema, "Created.", "201"),
        KEYED,
        [*params, key_param(required=True)],
        json_request(ref(body)),
    )


def _write(summary: str, schema: str | None, params, body: str | None = None) -> dict:
    done = ok(schema, "Done.") if schema else {"204": {"description": "Done; no body."}}
    request = json_request(ref(body)) if body else None
    return operation(summary, done, KEYED, [*params, key_param()], request)


def _editor_read(summary: str, schema: str, params) -> dict:
    return operation(summary, ok(schema, summary), ("400", "401", "403", "404", "503"), params)


def editor_paths() -> dict:
    """The paths of discovery and the editor's API."""
    page = {"name": "page", "in": "query", "schema": {**ID, "maximum": 1_000_000}}
    status = {"name": "status", "in": "query", "schema": {"enum": list(EVENT_STATUSES)}}
    first = {"name": "from", "in": "query", "schema": DATE}
    last = {"name": "to", "in": "query", "schema": DATE}
    return {
        "/events": {
            "get": read("Events, newest first.", "EventPage", [page, status, first, last], ["422"]),
            "post": _create("Create an event (editors).", "EventDetail", "EventFields"),
        },
        "/events/{event_slug}": {
            "get": read("An event with its blogs, agenda and roster.", "EventDetail", [SLUG]),
            "patch": _write("Change an event.", "EventDetail", [SLUG], "EventEdit"),
        },
        "/events/{event_slug}/blogs": {
            "get": read("The event's blogs.", "BlogList", [SLUG]),
            "post": _create("Add a scheduled blog (editors).", "Blog", "BlogFields", [SLUG]),
        },
        "/blogs/{blog_id}": {
            "patch": _write("Change a blog (editors).", "Blog", [path_id("blog_id")], "BlogEdit")
        },
        "/events/{event_slug}/speakers": {
            "post": _create(
                "Add a speaker (the event's people).", "Speaker", "SpeakerFields", [SLUG]
            )
        },
        "/speakers/{speaker_id}": {
            "patch": _write(
                "Change a speaker (editors).", "Speaker", [path_id("speaker_id")], "SpeakerEdit"
            )
        },
        "/events/{event_slug}/organisations": {
            "get": read("The roster's organisations.", "OrganisationList", [SLUG])
        },
        "/organisations/{organization_id}": {
            "patch": _write(
                "Rename an organisation (editors).",
                "Organisation",
                [path_id("organization_id")],
                "OrganisationEdit",
            )
        },
        "/events/{event_slug}/agenda": {
            "get": read("The agenda.", "SessionList", [SLUG]),
            "post": _create("Add an agenda session (editors).", "Session", "SessionFields", [SLUG]),
        },
        "/agenda/{session_id}": {
            "patch": _write(
                "Change a session (editors).", "Session", [path_id("session_id")], "SessionEdit"
            ),
            "delete": _write("Remove a session (editors).", None, [path_id("session_id")]),
        },
        "/events/{event_slug}/features": {
            "get": _editor_read("The hub's features (editors).", "FeatureList", [SLUG]),
            "put": _write("Set the hub's features (editors).", "FeatureList", [SLUG], "Features"),
        },
        "/events/{event_slug}/reporters": {
            "get": _editor_read("The event's reporters (editors).", "PersonList", [SLUG])
        },
        "/events/{event_slug}/reporters/{who}": {
            "put": _write("Assign an account (id or email) (editors).", "Person", [SLUG, WHO]),
            "delete": _write("Unassign an account (id or email) (editors).", None, [SLUG, WHO]),
        },
        "/events/{event_slug}/review": {
            "get": _editor_read("The review queue (editors).", "ReviewQueue", [SLUG])
        },
        "/entries/{entry_id}/approve": {
            "post": _write("Approve (editors).", "Entry", [path_id("entry_id")], "Approve")
        },
        "/entries/{entry_id}/return": {
            "post": _write(
                "Return with a note (editors).", "Entry", [path_id("entry_id")], "Return"
            )
        },
    }


def _list(name: str, item: str) -> dict:
    return obj({name: {"type": "array", "items": ref(item)}})


def _fields(names, required=(), **special) -> dict:
    """A closed body of string fields (others as given); only `required` must be sent."""
    props = {name: special.get(name, STRING) for name in names}
    return obj(props, optional=tuple(n for n in props if n not in required))


def editor_schemas() -> dict:
    """The schemas of discovery and the editor's API."""
    event_fields = ("name", "slug", "starts_on", "ends_on", "timezone", "venue", "city")
    event = {
        "id": INTEGER,
        **{name: STRING for name in event_fields},
        "starts_on": DATE,
        "ends_on": DATE,
        "status": {"enum": list(EVENT_STATUSES)},
        "description": STRING,
        "summary_html": STRING,
        "cover": nullable(ref("Media")),
        "last_seq": {"type": "integer", "minimum": 0},
        "url": STRING,
    }
    blog_fields = ("title", "slug", "description", "default_order", "starts_at")
    session_fields = ("title", "stage", "description", "starts_at", "ends_at")
    ids = {"type": "array", "items": ID}
    return {
        "Event": obj(event),
        "EventDetail": obj(
            {
                **event,
                "blogs": {"type": "array", "items": ref("Blog")},
                "agenda": {"type": "array", "items": ref("Session")},
                "speakers": {"type": "array", "items": ref("Speaker")},
            }
        ),
        "EventPage": obj(
            {"events": {"type": "array", "items": ref("Event")}, "page": ID, "more": BOOLEAN}
        ),
        "EventFields": _fields(
            (*event_fields, "description"), ("name", "slug", "starts_on", "ends_on")
        ),
        "EventEdit": _fields(
            (*event_fields, "description", "cover_media_id"), cover_media_id=nullable(ID)
        ),
        "BlogList": _list("blogs", "Blog"),
        "BlogFields": _fields(
            (*blog_fields, "session_id"), ("title", "slug"), session_id=nullable(ID)
        ),
        "BlogEdit": _fields(
            (*(f for f in blog_fields if f != "slug"), "session_id"), session_id=nullable(ID)
        ),
        "SpeakerFields": _fields(("name", "title", "organization"), ("name",)),
        "SpeakerEdit": _fields(("name", "title", "organization")),
        "Organisation": obj({"id": INTEGER, "name": STRING}),
        "OrganisationList": _list("organisations", "Organisation"),
        "OrganisationEdit": _fields(("name",), ("name",)),
        "Session": obj(
            {
                "id": INTEGER,
                **{name: STRING for name in ("title", "stage", "description")},
                "starts_at": TIME,
                "ends_at": TIME,
                "speakers": {"type": "array", "items": ref("Speaker")},
            }
        ),
        "SessionList": _list("sessions", "Session"),
        "SessionFields": _fields(
            (*session_fields, "speaker_ids"), ("title", "starts_at", "ends_at"), speaker_ids=ids
        ),
        "SessionEdit": _fields((*session_fields, "speaker_ids"), speaker_ids=ids),
        "Feature": obj(
            {
                "id": INTEGER,
                "position": INTEGER,
                "kind": {"enum": ["blog", "entry"]},
                "blog_id": nullable(INTEGER),
                "entry_id": nullable(INTEGER),
                "lead": BOOLEAN,
                "hidden": BOOLEAN,
            }
        ),
        "FeatureList": _list("features", "Feature"),
        "Features": obj(
            {
                "features": {
                    "type": "array",
                    "maxItems": MAX_FEATURES,
                    "items": {
                        "oneOf": [
                            obj({"blog_id": ID, "lead": BOOLEAN}, ("lead",)),
                            obj({"entry_id": ID, "lead": BOOLEAN}, ("lead",)),
                        ]
                    },
                }
            }
        ),
        "Person": obj({"id": INTEGER, "name": STRING, "email": STRING, "role": STRING}),
        "PersonList": _list("reporters", "Person"),
        "ReviewQueue": obj(
            {
                "entries": {"type": "array", "items": ref("PendingEntry")},
                "edits": {"type": "array", "items": ref("PendingEdit")},
            }
        ),
        "PendingEntry": obj(
            {"kind": {"const": "entry"}, "entry": ref("Entry"), "base_version": INTEGER}
        ),
        "PendingEdit": obj(
            {
                "kind": {"const": "edit"},
                "entry": ref("Entry"),
                "base_version": INTEGER,
                "edit_revision": INTEGER,
                "edit": obj(
                    {
                        "headline": STRING,
                        "source": STRING,
                        "html": STRING,
                        "tags": {"type": "array", "items": STRING},
                        "submitted_at": TIME,
                    }
                ),
            }
        ),
        "Approve": _fields(("base_version", "edit_revision"), base_version=ID, edit_revision=ID),
        "Return": _fields(
            ("base_version", "edit_revision", "note"), ("note",), base_version=ID, edit_revision=ID
        ),
    }
