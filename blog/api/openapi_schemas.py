"""The schemas of the OpenAPI document (blog/api/openapi.py): the API's objects and bodies."""

from __future__ import annotations

from blog.actions.entry_input import MAX_CONTEXT_CHARS, MAX_HEADLINE_CHARS
from blog.api.body import ENTRY_FIELDS
from blog.models import BlogStatus, EntryKind, EntryStatus

MAX_ID = 2**31 - 1


def ref(name: str) -> dict:
    """A reference to a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """The schema, or JSON null."""
    return {"oneOf": [schema, {"type": "null"}]}


def obj(properties: dict, optional: tuple[str, ...] = (), closed: bool = True) -> dict:
    """A JSON object: every property required unless optional; no others unless not closed."""
    required = [name for name in properties if name not in optional]
    schema: dict[str, object] = {"type": "object", "properties": properties, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def schemas() -> dict:
    """The named schemas of the document's components."""
    return {
        "Error": obj(
            {
                "error": STRING,
                "fields": {"type": "object", "additionalProperties": STRING},
                "current": {"type": "object"},
                "too_large": BOOLEAN,
                "retry_after": INTEGER,
            },
            optional=("fields", "current", "too_large", "retry_after"),
            closed=False,  # a refusal may carry further hints
        ),
        "Blog": obj(
            {
                "id": INTEGER,
                "event": STRING,
                "slug": STRING,
                "title": STRING,
                "description": STRING,
                "status": {"enum": [s.value for s in BlogStatus]},
                "last_seq": {"type": "integer", "minimum": 0},
                "default_order": {"enum": ["newest", "oldest"]},
                "session_id": nullable(INTEGER),
                "starts_at": nullable(TIME),
                "started_at": nullable(TIME),
                "ended_at": nullable(TIME),
                "url": STRING,
            }
        ),
        "Speaker": obj({"id": INTEGER, "name": STRING, "title": STRING, "organization": STRING}),
        "Media": obj(
            {
                "id": INTEGER,
                "width": INTEGER,
                "height": INTEGER,
                "alt": STRING,
                "caption": STRING,
                "credit": STRING,
                "src": STRING,
                "srcset": STRING,
                "variants": {"type": "array", "items": ref("Variant")},
            }
        ),
        "Variant": obj({"width": INTEGER, "height": INTEGER, "url": STRING, "type": STRING}),
        "Embed": obj(
            {"url": STRING, "provider": STRING, "kind": STRING, "host": STRING, "title": STRING}
        ),
        "Entry": _entry_schema(),
        "EntryPage": obj({"entries": {"type": "array", "items": ref("Entry")}, "more": BOOLEAN}),
        # Change messages carry each change type's own payload (docs/protocol.md).
        "Change": obj({"blog_id": INTEGER, "seq": INTEGER, "type": STRING}, closed=False),
        "EventChange": obj({"event_id": INTEGER, "seq": INTEGER, "type": STRING}, closed=False),
        "ChangePage": _change_page("blog_id", "Change"),
        "EventChangePage": _change_page("event_id", "EventChange"),
        "SpeakerList": obj({"speakers": {"type": "array", "items": ref("Speaker")}}),
        "EntryFields": _entry_fields(),
        "EntryEdit": {
            **_entry_fields(),
            "description": "base_version is required with any entry field; display_at alone"
            " (editors only) moves the entry in the timeline without editing it.",
            "properties": {
                **_entry_fields()["properties"],
                "base_version": INTEGER,
                "display_at": TIME,
            },
        },
    }


def _entry_schema() -> dict:
    return obj(
        {
            "id": INTEGER,
            "blog_id": INTEGER,
            "kind": {"enum": [k.value for k in EntryKind]},
            "status": {"enum": [s.value for s in EntryStatus]},
            "version": {"type": "integer", "minimum": 1},
            "headline": STRING,
            "source": STRING,
            "html": STRING,
            "speaker": nullable(ref("Speaker")),
            "tags": {"type": "array", "items": STRING},
            "media": nullable(ref("Media")),
            "embed": nullable(ref("Embed")),
            "is_key": BOOLEAN,
            "is_pinned": BOOLEAN,
            "correction_note": STRING,
            "context": STRING,
            "context_html": STRING,
            "author": STRING,
            "authors": {"type": "array", "items": obj({"id": INTEGER, "name": STRING})},
            "published_at": nullable(TIME),
            "updated_at": TIME,
            "url": STRING,
            # Only in a 202: a contributor's change of a published entry awaits an editor.
            "pending_review": BOOLEAN,
        },
        optional=("pending_review",),
    )


def _entry_fields() -> dict:
    """What a client may send for an entry; anything else is refused (422)."""
    return obj(
        {
            "kind": {"enum": [k.value for k in EntryKind]},
            "source": {"type": "string", "maxLength": 10_000},
            "headline": {"type": "string", "maxLength": MAX_HEADLINE_CHARS},
            "speaker_id": nullable(ID),
            "tags": {"type": "array", "items": STRING, "maxItems": 8},
            "is_key": BOOLEAN,
            "media_id": nullable(ID),
            "embed_url": STRING,
            "embed_title": STRING,
            "correction_note": STRING,
            "context": {"type": "string", "maxLength": MAX_CONTEXT_CHARS},
            "coauthor_ids": nullable({"type": "array", "items": ID, "maxItems": 4}),
            "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        },
        # idempotency_key is required; the Idempotency-Key header, which may carry it
        # instead (docs/api.md, section 7), is left out so the document has one way.
        optional=ENTRY_FIELDS,
    )


def _change_page(id_field: str, item: str) -> dict:
    return obj(
        {
            id_field: INTEGER,
            "last_seq": {"type": "integer", "minimum": 0},
            "changes": {"type": "array", "items": ref(item)},
            "more": BOOLEAN,
        }
    )
