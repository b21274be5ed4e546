"""Export an event's whole coverage as JSON and import it into another instance, nothing lost.

The format follows the tables themselves: every column of every row that
belongs to the event (found by walking foreign keys from the event), plus the
accounts those rows name. A column or table added later is exported and
imported without a change here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Table, select

from blog.models import Event, User
from blog.platform import db
from blog.platform.clock import utcnow

FORMAT = "showfloor-event"
VERSION = 1
USERS = "user_account"
# Change streams are not copied, only their heads (each blog's and the hub's
# last_seq): an imported blog continues its numbering, and nobody holds a
# cursor into the new instance yet. Tokens are secrets of the old instance,
# and the API's kept answers to repeated writes expire within a day there.
SKIPPED = {"change", "event_change", "api_token", "idempotent_answer"}
USER_FIELDS = ("id", "email", "name", "role", "active", "created_at")
# Audit rows name their object by type and id; these ids follow the import.
AUDIT_OBJECT_TABLES = {
    "entry": "entry",
    "blog": "live_blog",
    "event": "event",
    "speaker": "speaker",
    "media": "media",
    "user": USERS,
    "batch": "embargo_batch",
    "session": "agenda_session",
    "feature": "hub_feature",
}


def _tables() -> list[Table]:
    return [t for t in db.Base.metadata.sorted_tables if t.name not in SKIPPED]


def _owner_column(table: Table, owned: set[str]) -> str | None:
    """The foreign key through which a table's rows belong to the event, if any."""
    candidates = []
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table.name
            if target in owned and target != USERS:
                candidates.append((target != "event", column.nullable, column.name))
    return min(candidates)[2] if candidates else None


def event_tables() -> dict[str, tuple[str, str] | None]:
    """Each exported table with (owner column, parent table); None for the event itself."""
    plan: dict[str, tuple[str, str] | None] = {"event": None}
    changed = True
    while changed:
        changed = False
        for table in _tables():
            if table.name in plan or table.name == USERS:
                continue
            owner = _owner_column(table, set(plan))
            if owner:
                parent = next(iter(table.c[owner].foreign_keys)).column.table.name
                plan[table.name] = (owner, parent)
                changed = True
    return {t.name: plan[t.name] for t in _tables() if t.name in plan}


def _selection(name: str, plan, event_id: int):
    """A SELECT of the table's rows that belong to the event (nested subqueries, no id lists)."""
    table = db.Base.metadata.tables[name]
    if plan[name] is None:
        return select(table).where(table.c.id == event_id)
    owner, parent = plan[name]
    parent_ids = _selection(parent, plan, event_id).with_only_columns(
        db.Base.metadata.tables[parent].c.id
    )
    return select(table).where(table.c[owner].in_(parent_ids))


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(name: str, plan, event_id: int) -> list[dict]:
    table = db.Base.metadata.tables[name]
    stmt = _selection(name, plan, event_id).order_by(*table.primary_key.columns)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in db.session.execute(stmt)]


def _user_columns(table: Table) -> list[str]:
    return [
        c.name for c in table.columns if any(fk.column.table.name == USERS for fk in c.foreign_keys)
    ]


def export_event(event: Event) -> dict:
    """The event and everything that belongs to it, as JSON-ready data."""
    plan = event_tables()
    tables = {name: _rows(name, plan, event.id) for name in plan}
    user_ids = set()
    for name, rows in tables.items():
        for column in _user_columns(db.Base.metadata.tables[name]):
            user_ids |= {r[column] for r in rows if r[column] is not None}
    users = db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))
    tables[USERS] = [{f: _plain(getattr(u, f)) for f in USER_FIELDS} for u in users]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "event_slug": event.slug,
        "tables": tables,
    }
