"""Import an event exported by archive.export_event, keeping ids when the instance has room."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import Date, Enum, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from blog.actions.stream import audit, write_action
from blog.archive.export import AUDIT_OBJECT_TABLES, FORMAT, USERS, VERSION, event_tables
from blog.models import Entry, Event, Media, Role, User
from blog.models.base import UTCDateTime
from blog.platform import db
from blog.platform.errors import Invalid
from blog.platform.passwords import hash_password


def _check_format(data) -> dict[str, list[dict]]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("This is not a Showfloor event export.")
    if data.get("version") != VERSION:
        raise Invalid(f"Export version {data.get('version')!r} is not supported here.")
    tables = data.get("tables")
    plan = event_tables()
    if not isinstance(tables, dict) or set(tables) - set(plan) - {USERS}:
        raise Invalid("The export names tables this instance does not have.")
    for name, rows in tables.items():
        known = set(db.Base.metadata.tables[name].c.keys())
        if not isinstance(rows, list) or any(set(r) - known for r in rows):
            raise Invalid(f"The export's {name} rows have columns this instance does not have.")
    if len(tables.get("event", [])) != 1:
        raise Invalid("An export holds exactly one event.")
    return tables


def _value(column, value):
    """Turn a JSON value back into what the column stores."""
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return value


def _import_users(rows: list[dict]) -> dict[int, int]:
    """Match accounts by email; create the missing ones without a usable password."""
    mapping = {}
    for row in rows:
        user = db.session.scalar(select(User).where(User.email == row["email"].lower()))
        if user is None:
            user = User(email=row["email"].lower(), name=row["name"], role=Role(row["role"]))
            # Nobody knows this password: an editor issues a set-password link.
            user.password_hash = hash_password(secrets.token_urlsafe(32))
            user.active, user.session_epoch = bool(row["active"]), 0
            user.created_at = datetime.fromisoformat(row["created_at"])
            db.session.add(user)
            db.session.flush()
        mapping[row["id"]] = user.id
    return mapping


def _taken_pairs(column_a, column_b, pairs: set[tuple]) -> set[tuple]:
    """Which (a, b) pairs already exist here, asked in one query per value of b."""
    keys = {b for _, b in pairs}
    stmt = select(column_a, column_b).where(column_b.in_(keys))
    return {tuple(row) for row in db.session.execute(stmt)} & pairs if keys else set()


def _give_fresh_keys(tables: dict[str, list[dict]], users: dict[int, int]) -> None:
    """Re-key rows whose instance-wide unique keys are already used here.

    Importing an export again under a new slug (a rehearsal copy) repeats the
    entries' idempotency keys and the photos' storage keys. Those keys name
    nothing a reader sees: the copy gets fresh ones, and its photos still point
    at the same stored files through their variants.
    """
    authored = [r for r in tables.get("entry", []) if r.get("author_id") is not None]
    entries = [r for r in authored if users.get(r["author_id"])]
    mine = {(users[r["author_id"]], r["idempotency_key"]) for r in entries}
    taken = _taken_pairs(Entry.author_id, Entry.idempotency_key, mine)
    for row in entries:
        if (users[row["author_id"]], row["idempotency_key"]) in taken:
            row["idempotency_key"] = secrets.token_hex(16)
    media = tables.get("media", [])
    stored = {r["storage_key"] for r in media}
    used = set(db.session.scalars(select(Media.storage_key).where(Media.storage_key.in_(stored))))
    uploads = {(users.get(r["uploader_id"]), r["upload_key"]) for r in media if r.get("upload_key")}
    taken_uploads = _taken_pairs(Media.uploader_id, Media.upload_key, uploads)
    for row in media:
        if row["storage_key"] in used:
            row["storage_key"] = secrets.token_urlsafe(18)
        if (users.get(row["uploader_id"]), row.get("upload_key")) in taken_uploads:
            row["upload_key"] = None  # only a retry of the original upload needs it


def _ids_free(tables: dict[str, list[dict]]) -> bool:
    """Tell whether every exported id is unused here, so permalinks can keep their ids."""
    for name, rows in tables.items():
        table = db.Base.metadata.tables[name]
        if name == USERS or "id" not in table.c or not rows:
            continue
        ids = [r["id"] for r in rows]
        taken = select(func.count()).select_from(table).where(table.c.id.in_(ids))
        if db.session.scalar(taken):
            return False
    return True


class _Importer:
    """Inserts the exported rows table by table, translating every foreign key."""

    def __init__(self, tables: dict[str, list[dict]], users: dict[int, int], keep_ids: bool):
        self.tables = tables
        self.keep_ids = keep_ids
        self.maps: dict[str, dict[int, int]] = {USERS: users}
        self.deferred: list[tuple[Table, int, str, str, int]] = []

    def run(self) -> int:
        """Insert everything; return the new event's id."""
        for name in event_tables():
            self.maps[name] = {}
            for row in self.tables.get(name, []):
                self._insert(db.Base.metadata.tables[name], row)
        for table, new_id, column, target, old in self.deferred:
            value = self.maps[target].get(old)
            db.session.execute(update(table).where(table.c.id == new_id).values({column: value}))
        return self.maps["event"][self.tables["event"][0]["id"]]

    def _insert(self, table: Table, row: dict) -> None:
        values, later = {}, []
        for key, raw in row.items():
            column = table.c[key]
            target = next((fk.column.table.name for fk in column.foreign_keys), None)
            if key == "id" or raw is None or target is None:
                values[key] = _value(column, raw)
            elif target in self.maps:
                values[key] = self.maps[target].get(raw)
            else:  # a table inserted later (the event's cover image): patch it after
                later.append((key, target, raw))
        if table.name == "audit_log":
            values["object_id"] = self._audit_object(row)
        self._write(table, row, values, later)

    def _write(self, table: Table, row: dict, values: dict, later: list) -> None:
        if "id" not in table.c:
            db.session.execute(insert(table).values(values))
            return
        if not self.keep_ids:
            values.pop("id")
        stmt = insert(table).values(values).returning(table.c.id)
        new_id = db.session.execute(stmt).scalar_one()
        self.maps[table.name][row["id"]] = new_id
        self.deferred += [(table, new_id, key, target, old) for key, target, old in later]

    def _audit_object(self, row: dict):
        target = AUDIT_OBJECT_TABLES.get(row.get("object_type") or "")
        old = row.get("object_id")
        if target is None or old is None or target not in self.maps:
            return old
        return self.maps[target].get(old, old)


def _bump_sequences(names) -> None:
    """On PostgreSQL, move id sequences past ids inserted explicitly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in names:
        if "id" in db.Base.metadata.tables[name].c:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )


@write_action
def import_event(data: dict) -> Event:
    """Create an event and all its coverage from an export; refuse a slug already here.

    The same export may come in again under a new slug: that makes a second copy.
    """
    tables = _check_format(data)
    db.begin_write()
    slug = tables["event"][0]["slug"]
    if db.session.scalar(select(Event.id).where(Event.slug == slug)):
        raise Invalid(f"An event with the slug {slug!r} already exists here.")
    users = _import_users(tables.get(USERS, []))
    _give_fresh_keys(tables, users)
    keep_ids = _ids_free(tables)
    try:
        event_id = _Importer(tables, users, keep_ids).run()
    except IntegrityError as exc:
        # A clash the checks above did not foresee: refuse in words, write nothing.
        raise Invalid(
            f"This export clashes with data already here, so nothing was imported: {exc.orig}."
        ) from exc
    if keep_ids:
        _bump_sequences(event_tables())
    audit(None, "event.import", "event", event_id, event_id, kept_ids=keep_ids)
    db.session.commit()
    return db.session.get_one(Event, event_id)
