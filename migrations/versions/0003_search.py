"""full-text search over published entries

SQLite: an FTS5 table keyed by entry id, kept current by triggers on entry.
PostgreSQL: a generated tsvector column on entry with a GIN index.
Either way every write path (actions, scheduled releases, reviews) keeps the
index current without knowing it exists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE entry_search USING fts5(
        headline, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER entry_search_insert AFTER INSERT ON entry
       WHEN new.status = 'published' BEGIN
         INSERT INTO entry_search (rowid, headline, body)
         VALUES (new.id, new.headline, new.source);
       END""",
    """CREATE TRIGGER entry_search_update AFTER UPDATE OF status, headline, source ON entry
       BEGIN
         DELETE FROM entry_search WHERE rowid = old.id;
         INSERT INTO entry_search (rowid, headline, body)
         SELECT new.id, new.headline, new.source WHERE new.status = 'published';
       END""",
    """CREATE TRIGGER entry_search_delete AFTER DELETE ON entry BEGIN
         DELETE FROM entry_search WHERE rowid = old.id;
       END""",
    """INSERT INTO entry_search (rowid, headline, body)
       SELECT id, headline, source FROM entry WHERE status = 'published'""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS entry_search_delete",
    "DROP TRIGGER IF EXISTS entry_search_update",
    "DROP TRIGGER IF EXISTS entry_search_insert",
    "DROP TABLE IF EXISTS entry_search",
]
POSTGRES_UP = [
    """ALTER TABLE entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english', coalesce(headline, '')), 'A')
         || setweight(to_tsvector('english', coalesce(source, '')), 'B')
       ) STORED""",
    "CREATE INDEX ix_entry_search_vector ON entry USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_entry_search_vector",
    "ALTER TABLE entry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _run(SQLITE_UP if sqlite else POSTGRES_UP)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _run(SQLITE_DOWN if sqlite else POSTGRES_DOWN)
