"""search by speaker and organisation, accents and case ignored

Quotes are found by who said them: the speaker's name, title and organisation
are indexed with the entry. SQLite's FTS5 table gains a `people` column (its
unicode61 tokenizer already folds accents and case). PostgreSQL's generated
column becomes one kept by triggers, through a text search configuration that
runs `unaccent` before English stemming, so "Ines" finds "Inés". Renaming a
speaker or an organisation re-indexes their entries. Existing rows are
re-indexed here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The people a quote is attributed to, as one line of text (NULL without a speaker).
SQLITE_PEOPLE = """(SELECT speaker.name || ' ' || speaker.title || ' '
                          || coalesce(organization.name, '')
                   FROM speaker LEFT JOIN organization ON organization.id = speaker.organization_id
                   WHERE speaker.id = {entry}.speaker_id)"""
SQLITE_INDEX_ROWS = (
    "INSERT INTO entry_search (rowid, headline, body, people) "
    "SELECT entry.id, entry.headline, entry.source, "
    + SQLITE_PEOPLE.format(entry="entry")
    + " FROM entry WHERE entry.status = 'published' AND {where}"
)
SQLITE_DROP_0003 = [
    "DROP TRIGGER IF EXISTS entry_search_delete",
    "DROP TRIGGER IF EXISTS entry_search_update",
    "DROP TRIGGER IF EXISTS entry_search_insert",
    "DROP TABLE IF EXISTS entry_search",
]
SQLITE_UP = [
    *SQLITE_DROP_0003,
    """CREATE VIRTUAL TABLE entry_search USING fts5(
        headline, body, people, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER entry_search_insert AFTER INSERT ON entry
       WHEN new.status = 'published' BEGIN
         INSERT INTO entry_search (rowid, headline, body, people)
         VALUES (new.id, new.headline, new.source, """
    + SQLITE_PEOPLE.format(entry="new")
    + """);
       END""",
    """CREATE TRIGGER entry_search_update
       AFTER UPDATE OF status, headline, source, speaker_id ON entry BEGIN
         DELETE FROM entry_search WHERE rowid = old.id;
         """
    + SQLITE_INDEX_ROWS.format(where="entry.id = new.id")
    + """;
       END""",
    """CREATE TRIGGER entry_search_delete AFTER DELETE ON entry BEGIN
         DELETE FROM entry_search WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER entry_search_speaker
       AFTER UPDATE OF name, title, organization_id ON speaker BEGIN
         DELETE FROM entry_search
         WHERE rowid IN (SELECT id FROM entry WHERE speaker_id = new.id);
         """
    + SQLITE_INDEX_ROWS.format(where="entry.speaker_id = new.id")
    + """;
       END""",
    """CREATE TRIGGER entry_search_organization AFTER UPDATE OF name ON organization BEGIN
         DELETE FROM entry_search WHERE rowid IN (
           SELECT entry.id FROM entry JOIN speaker ON speaker.id = entry.speaker_id
           WHERE speaker.organization_id = new.id);
         """
    + SQLITE_INDEX_ROWS.format(
        where="entry.speaker_id IN (SELECT id FROM speaker WHERE organization_id = new.id)"
    )
    + """;
       END""",
    SQLITE_INDEX_ROWS.format(where="1 = 1"),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS entry_search_organization",
    "DROP TRIGGER IF EXISTS entry_search_speaker",
    *SQLITE_DROP_0003,
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

POSTGRES_UP = [
    # unaccent is a trusted extension: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION showfloor_search (COPY = english)",
    """ALTER TEXT SEARCH CONFIGURATION showfloor_search
       ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem""",
    "DROP INDEX IF EXISTS ix_entry_search_vector",
    "ALTER TABLE entry DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE entry ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION entry_search_people(speaker_id integer) RETURNS text
       LANGUAGE sql STABLE AS $$
         SELECT speaker.name || ' ' || speaker.title || ' ' || coalesce(organization.name, '')
         FROM speaker LEFT JOIN organization ON organization.id = speaker.organization_id
         WHERE speaker.id = $1
       $$""",
    """CREATE FUNCTION entry_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         NEW.search_vector :=
           setweight(to_tsvector('showfloor_search', coalesce(NEW.headline, '')), 'A')
           || setweight(to_tsvector('showfloor_search',
                                    coalesce(entry_search_people(NEW.speaker_id), '')), 'B')
           || setweight(to_tsvector('showfloor_search', coalesce(NEW.source, '')), 'C');
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER entry_search_refresh
       BEFORE INSERT OR UPDATE OF headline, source, speaker_id ON entry
       FOR EACH ROW EXECUTE FUNCTION entry_search_refresh()""",
    # A renamed speaker or organisation: touch their entries so the trigger above re-indexes.
    """CREATE FUNCTION entry_search_speaker() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE entry SET speaker_id = speaker_id WHERE speaker_id = NEW.id;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER entry_search_speaker
       AFTER UPDATE OF name, title, organization_id ON speaker
       FOR EACH ROW EXECUTE FUNCTION entry_search_speaker()""",
    """CREATE FUNCTION entry_search_organization() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE entry SET speaker_id = speaker_id
         WHERE speaker_id IN (SELECT id FROM speaker WHERE organization_id = NEW.id);
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER entry_search_organization AFTER UPDATE OF name ON organization
       FOR EACH ROW EXECUTE FUNCTION entry_search_organization()""",
    "UPDATE entry SET speaker_id = speaker_id",
    "CREATE INDEX ix_entry_search_vector ON entry USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS entry_search_organization ON organization",
    "DROP FUNCTION IF EXISTS entry_search_organization()",
    "DROP TRIGGER IF EXISTS entry_search_speaker ON speaker",
    "DROP FUNCTION IF EXISTS entry_search_speaker()",
    "DROP TRIGGER IF EXISTS entry_search_refresh ON entry",
    "DROP FUNCTION IF EXISTS entry_search_refresh()",
    "DROP FUNCTION IF EXISTS entry_search_people(integer)",
    "DROP INDEX IF EXISTS ix_entry_search_vector",
    "ALTER TABLE entry DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS showfloor_search",
    # The extension stays: other objects of the database may have come to use it.
    """ALTER TABLE entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english', coalesce(headline, '')), 'A')
         || setweight(to_tsvector('english', coalesce(source, '')), 'B')
       ) STORED""",
    "CREATE INDEX ix_entry_search_vector ON entry USING gin (search_vector)",
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
