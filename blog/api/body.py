"""What API writes accept: a JSON object of known fields, each of the right type."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import request

from blog import actions
from blog.api.client_fields import refuse_server_fields
from blog.platform.errors import Invalid

ENTRY_FIELDS = (
    "kind",
    "source",
    "headline",
    "speaker_id",
    "tags",
    "is_key",
    "media_id",
    "embed_url",
    "embed_title",
    "correction_note",
    "context",
    "coauthor_ids",
)
TEXT_FIELDS = (
    "kind",
    "source",
    "headline",
    "correction_note",
    "embed_url",
    "embed_title",
    "context",
)
ID_FIELDS = (("speaker_id", "a speaker of the roster"), ("media_id", "an uploaded photo"))
# Half of a UTF-16 pair: JSON may spell one ("\udfff"), but no database or page can store it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parsed_json():
    """The request's JSON (None if it is not JSON); refused if too deep or not Unicode."""
    try:
        body = request.get_json(silent=True)
    except RecursionError as exc:
        raise Invalid("The JSON is nested too deeply; send a flat object.") from exc
    if _holds_lone_surrogate(body):
        raise Invalid("The JSON holds text that is not valid Unicode (a lone surrogate).")
    return body


def _holds_lone_surrogate(value) -> bool:
    # A loop, not recursion: the parsed value may be nested as deep as the parser allowed.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and LONE_SURROGATE.search(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_body() -> dict:
    """The request's body, which must be a JSON object."""
    body = parsed_json()
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object with Content-Type: application/json.")
    return body


def reject_unknown(body: dict, known=(*ENTRY_FIELDS, "idempotency_key", "base_version")) -> None:
    """Refuse fields only the server sets (author, status, version…) and misspelt ones."""
    refuse_server_fields(body, may_set=known)
    unknown = set(body) - set(known)
    if unknown:
        raise Invalid(f"Unknown fields: {', '.join(sorted(unknown))}.")


def entry_input(body: dict) -> actions.EntryInput:
    """An entry's fields from a body, refused (422, naming the field) unless each is well typed."""
    reject_unknown(body)
    values = {k: body[k] for k in ENTRY_FIELDS if k in body}
    wrong = [k for k in TEXT_FIELDS if not isinstance(values.get(k, ""), str)]
    if wrong:
        message = f"{', '.join(wrong)}: must be a string."
        raise Invalid(message, dict.fromkeys(wrong, "not a string"))
    if not isinstance(values.get("is_key", False), bool):
        raise Invalid("is_key must be true or false.", {"is_key": "not a boolean"})
    tags = values.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Invalid("tags must be a list of strings.", {"tags": "not a list of strings"})
    for name, what in ID_FIELDS:
        if not _id_or_null(values.get(name)):
            raise Invalid(f"{name} must be the id of {what}, or null.", {name: "not an id"})
    return actions.EntryInput(**values)


def _id_or_null(value) -> bool:
    # type() rather than isinstance(): JSON true is not id 1.
    return value is None or type(value) is int


def display_time(raw) -> datetime:
    """An entry's display time from an ISO 8601 string with its offset, in UTC."""
    problem = Invalid(
        "display_at must be an ISO 8601 time with its offset, e.g. 2027-03-01T10:15:00+01:00.",
        {"display_at": "not an ISO 8601 time with offset"},
    )
    if not isinstance(raw, str):
        raise problem
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise problem from None
    if value.tzinfo is None:
        raise problem
    return value.astimezone(UTC)
