"""What the editor's API writes accept: a JSON object of known fields, each of the right type."""

from __future__ import annotations

from collections.abc import Iterable

from blog.api.body import json_body, reject_unknown
from blog.platform.errors import Invalid

EVENT_FIELDS = (
    "name",
    "slug",
    "starts_on",
    "ends_on",
    "timezone",
    "venue",
    "city",
    "description",
)
BLOG_FIELDS = ("title", "slug", "description", "default_order", "starts_at")
SESSION_FIELDS = ("title", "stage", "description", "starts_at", "ends_at")
SPEAKER_FIELDS = ("name", "title", "organization")


def typed_body(texts: Iterable[str], ids: Iterable[str] = (), id_lists: Iterable[str] = ()) -> dict:
    """The request's JSON object: only the named fields, texts as strings, ids as integers or null.

    Refused with 422 naming each wrong field, like an entry's body.
    """
    texts, ids, id_lists = tuple(texts), tuple(ids), tuple(id_lists)
    body = json_body()
    reject_unknown(body, known=(*texts, *ids, *id_lists))
    wrong = {k: "not a string" for k in texts if k in body and not isinstance(body[k], str)}
    wrong |= {k: "not an id" for k in ids if k in body and not _id_or_null(body[k])}
    for name in id_lists:
        value = body.get(name, [])
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            wrong[name] = "not a list of ids"
    if wrong:
        raise Invalid(f"Wrong types: {', '.join(sorted(wrong))}.", wrong)
    return body


def _id_or_null(value) -> bool:
    # type() rather than isinstance(): JSON true is not id 1.
    return value is None or type(value) is int


def merged(body: dict, current: dict) -> dict:
    """The fields of a PATCH: those sent, the current values of the others."""
    return {name: body.get(name, value) for name, value in current.items()}
