"""Search across an event's coverage: SQLite FTS5 by default, PostgreSQL full text on PostgreSQL.

Both indexes hold an entry's headline, its text and, for a quote, the speaker's
name, title and organisation; both ignore accents and case (migration 0005).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select, text

from blog.content.plaintext import fold
from blog.models import Entry, Event
from blog.platform import db

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
LIMIT = 30
# Snippet highlight markers: private-use characters no writer types, replaced
# by <mark> only after the snippet has been HTML-escaped.
START, STOP = "\ue000", "\ue001"

# bm25 weights per column: headline, body, people (speaker and organisation).
SQLITE_SQL = text(
    f"""
    SELECT entry.id AS id,
           snippet(entry_search, 1, '{START}', '{STOP}', '…', 24) AS snippet
    FROM entry_search
    JOIN entry ON entry.id = entry_search.rowid
    JOIN live_blog ON live_blog.id = entry.blog_id
    WHERE entry_search MATCH :query AND live_blog.event_id = :event_id
      AND entry.status = 'published'
    ORDER BY bm25(entry_search, 4.0, 1.0, 2.0), entry.published_at DESC
    LIMIT :limit
    """
)
# showfloor_search is English stemming after unaccent; the vector weighs the
# headline A, the people B and the body C.
POSTGRES_SQL = text(
    f"""
    SELECT entry.id AS id,
           ts_headline('showfloor_search', entry.source, query,
                       'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12') AS snippet
    FROM entry
    JOIN live_blog ON live_blog.id = entry.blog_id,
         websearch_to_tsquery('showfloor_search', :query) AS query
    WHERE entry.search_vector @@ query AND live_blog.event_id = :event_id
      AND entry.status = 'published'
    ORDER BY ts_rank(entry.search_vector, query) DESC, entry.published_at DESC
    LIMIT :limit
    """
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One matching entry with its highlighted snippet and, for a quote, attribution."""

    entry: Entry
    snippet: Markup
    attribution: Markup | None = None


def terms(query: str) -> list[str]:
    """The words of a reader's query, without any search syntax."""
    return re.findall(r"\w+", query[:MAX_QUERY_CHARS])[:MAX_TERMS]


def _fts5_query(words: list[str]) -> str:
    # Each word quoted: a reader's "AND", "NEAR(" or stray quote is just a word.
    return " ".join(f'"{w}"' for w in words)


def search(event: Event, query: str) -> list[Hit]:
    """Published entries of the event matching every word of query, best first."""
    words = terms(query)
    if not words:
        return []
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    sql = SQLITE_SQL if sqlite else POSTGRES_SQL
    params = {"query": _fts5_query(words) if sqlite else " ".join(words)}
    rows = db.session.execute(sql, {**params, "event_id": event.id, "limit": LIMIT}).all()
    found = db.session.scalars(select(Entry).where(Entry.id.in_([r.id for r in rows])))
    entries = {e.id: e for e in found}
    return [_hit(entries[r.id], r.snippet, words) for r in rows if r.id in entries]


def _hit(entry: Entry, snippet: str, words: list[str]) -> Hit:
    speaker = entry.speaker
    attribution = mark_words(speaker.attribution, words) if speaker else None
    return Hit(entry=entry, snippet=highlight(snippet), attribution=attribution)


# A Markdown link or image, its target possibly cut short by the snippet's end.
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)?")


def highlight(snippet: str) -> Markup:
    """Escape a snippet, mark the matched words, and drop Markdown punctuation."""
    # A link shows its words only: "[the proposal](https://…)" reads "the proposal".
    plain = MARKDOWN_LINK.sub(r"\1", snippet or "")
    plain = re.sub(r"[*_`#>]+", "", plain)
    safe = str(escape(plain)).replace(START, "<mark>").replace(STOP, "</mark>")
    return Markup(safe)


def mark_words(line: str, words: list[str]) -> Markup:
    """Escape a line and mark each word that starts with a query word, accents and case aside."""
    wanted = [fold(w) for w in words]

    def marked(match: re.Match) -> str:
        hit = any(fold(match.group()).startswith(w) for w in wanted)
        return f"{START}{match.group()}{STOP}" if hit else match.group()

    return highlight(re.sub(r"\w+", marked, line))
