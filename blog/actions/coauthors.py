"""Co-authors of an entry: reporters of its event who share the byline with its author."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.orm.attributes import set_committed_value

from blog.models import Entry, Event, User, entry_coauthors
from blog.platform import db
from blog.platform.errors import Invalid

MAX_COAUTHORS = 4
FIELD = "coauthor_ids"


def check_coauthors(event: Event, author_id: int, raw) -> list[User] | None:
    """The co-authors named in raw (ids), each an active member of the event; None if unsaid."""
    if raw is None:
        return None
    ids = _ids(raw)
    if author_id in ids:
        raise Invalid("The author is on the byline already: name only the others.", {FIELD: "self"})
    if len(ids) > MAX_COAUTHORS:
        raise Invalid(f"Name at most {MAX_COAUTHORS} co-authors.", {FIELD: "too many"})
    members = {u.id: u for u in event.members if u.active}
    strangers = [i for i in ids if i not in members]
    if strangers:
        raise Invalid(
            "Co-authors must be people assigned to this event "
            f"(not assigned: {', '.join(map(str, strangers))}).",
            {FIELD: "not assigned"},
        )
    return [members[i] for i in ids]


def _ids(raw) -> list[int]:
    # A form sends ids as text; JSON must send integers (true is not id 1).
    items = raw if isinstance(raw, list | tuple) else None
    if items is None or not all(_is_id(i) for i in items):
        raise Invalid(f"{FIELD} must be a list of user ids.", {FIELD: "not a list of ids"})
    return list(dict.fromkeys(int(i) for i in items))


def _is_id(value) -> bool:
    if type(value) is int:
        return value > 0
    return isinstance(value, str) and value.isdecimal() and len(value) < 12


def same_coauthors(entry: Entry, coauthors: list[User] | None) -> bool:
    """Tell whether coauthors (None: unsaid) leaves the entry's co-authors as they are."""
    return coauthors is None or [u.id for u in entry.coauthors] == [u.id for u in coauthors]


def set_coauthors(entry: Entry, coauthors: list[User] | None) -> None:
    """Replace the entry's co-authors in the caller's transaction (None keeps them)."""
    if coauthors is None:
        return
    db.session.execute(delete(entry_coauthors).where(entry_coauthors.c.entry_id == entry.id))
    _insert_rows(entry, coauthors)
    # The relationship is view-only: read it again with the rows just written.
    db.session.expire(entry, ["coauthors"])


def name_new_coauthors(entry: Entry, coauthors: list[User] | None) -> None:
    """Give a new, flushed entry its co-authors (None: none), known without reading them back."""
    _insert_rows(entry, coauthors or [])
    # The byline of every new entry is rendered at once: the list is what was
    # just written, in its order, so it is set rather than selected again.
    set_committed_value(entry, "coauthors", list(coauthors or []))


def _insert_rows(entry: Entry, coauthors: list[User]) -> None:
    rows = [{"entry_id": entry.id, "user_id": u.id, "position": n} for n, u in enumerate(coauthors)]
    if rows:
        db.session.execute(insert(entry_coauthors), rows)


def coauthor_ids(coauthors: list[User] | None) -> list[int] | None:
    """The ids to record in an audit line or a held edit (None: unchanged)."""
    return None if coauthors is None else [u.id for u in coauthors]


def audit_detail(coauthors: list[User] | None) -> dict:
    """The audit detail for co-authors named by a write; nothing when it named none."""
    return {} if coauthors is None else {"coauthors": coauthor_ids(coauthors)}
