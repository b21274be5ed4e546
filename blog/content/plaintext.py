"""Plain text from an entry's sanitised HTML, for descriptions, feeds and structured data."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

_BLOCKS = {"p", "li", "blockquote", "pre", "h3", "h4", "tr", "br", "hr", "figcaption"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def excerpt(html: str, limit: int = 200) -> str:
    """The start of the visible text, cut at a word boundary."""
    text = plain_text(html)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def fold(text: str) -> str:
    """Text without accents and case, for matching what people type ("Ines" → "Inés")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
