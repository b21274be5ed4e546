"""Fields only the server sets: a JSON body naming one is refused with 422, never half-applied.

Refusing (rather than silently ignoring) tells a client at once that it
believes it controls something it does not, e.g. that sending "status" or
"author" would change who or what an entry is.
"""

from __future__ import annotations

from collections.abc import Collection, Container

from blog.platform.errors import Invalid

SERVER_FIELDS = (
    "id",
    "author",
    "author_id",
    "user_id",
    "role",
    "event",
    "event_id",
    "blog_id",
    "seq",
    "last_seq",
    "version",
    "status",
    "html",
    "is_pinned",
    "created_at",
    "updated_at",
    "published_at",
    "retracted_at",
)
_HINTS = {"version": "send base_version, the version your edit started from"}


def refuse_server_fields(body: Container[str], may_set: Collection[str] = ()) -> None:
    """Refuse a body carrying any field the server sets (except those in may_set)."""
    sent = [name for name in SERVER_FIELDS if name in body and name not in may_set]
    if not sent:
        return
    fields = {name: "set by the server; " + _HINTS.get(name, "leave it out") for name in sent}
    raise Invalid(
        f"Set by the server, not by a client: {', '.join(sent)}. Leave "
        f"{'this field' if len(sent) == 1 else 'these fields'} out of the request.",
        fields,
    )
