"""Markdown to sanitised HTML: the only module that imports markdown or bleach."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from html import unescape
from pathlib import Path

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

MAX_SOURCE_CHARS = 10_000
# Python-Markdown is quadratic on some inputs (each unclosed "[" or "<" scans
# ahead): cost grows with markup characters × length. Below this estimate an
# entry renders in-process in a few milliseconds; above it, it renders in a
# separate process that is killed after RENDER_TIMEOUT seconds.
INLINE_COST_LIMIT = 200_000
RENDER_TIMEOUT = 1.0
_MARKUP_CHARS = "[]<>!`*_&("
_WORKER = Path(__file__).with_name("markdown_worker.py")

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h3",
        "h4",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# "start" keeps a list that begins at 3 numbered from 3.
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Extensions that add structure but never let a writer set attributes
# (attr_list is deliberately absent: it allows onclick and href overrides).
MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]

# Bidi controls (Unicode's Bidi_Control set, U+061C included) and zero-width or
# other invisible format characters can make a link read as one address while
# it goes to another, or hide words; no live-blog text needs them.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# A character reference (&#x202e;, &rlm;) reaches the reader as the character
# itself, so the invisible ones are removed from the output as well.
# Unicode's control characters (category Cc: C0, DEL and C1) except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CHAR_REF = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
# Writers' headings become h3/h4 so they never outrank the page's own headings.
_HEADING = re.compile(r"<(/?)h([1-6])>")


class RenderError(ValueError):
    """Raised when a source cannot be rendered; the message is for the writer."""


def clean_text(text: str) -> str:
    """Normalise user text: NFC, unix newlines, no invisible or control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def _drop_invisible_references(html: str) -> str:
    """Remove character references that a browser would turn into what clean_text removes."""
    return _CHAR_REF.sub(_visible_reference, html)


def _visible_reference(match: re.Match) -> str:
    ref = match.group(0)
    decoded = unescape(ref)
    # Not a reference at all (decoded unchanged), or one that shows something: keep it.
    return ref if decoded == ref or clean_text(decoded) else ""


def _demote_headings(html: str) -> str:
    """Map h1–h2 to h3 and h3–h6 to h4."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{3 if m.group(2) in '12' else 4}>", html)


def _link_rel(attrs: dict, new: bool = False) -> dict:
    """Mark every link nofollow noopener; drop links left without an href."""
    href_key = (None, "href")
    if href_key not in attrs:
        return None
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        lambda source: LinkifyFilter(source, callbacks=[_link_rel], skip_tags={"pre", "code"})
    ],
)


def render_markdown(source: str) -> str:
    """Render a writer's Markdown to HTML that is safe to put in any page."""
    source = clean_text(source)
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderError(
            f"Text is too long: {len(source)} characters, at most {MAX_SOURCE_CHARS}."
        )
    raw = _render_isolated(source) if _cost(source) > INLINE_COST_LIMIT else _render_here(source)
    return _drop_invisible_references(_cleaner.clean(_demote_headings(raw))).strip()


def contains_link(html: str) -> bool:
    """Tell whether rendered HTML holds a link (typed or linkified from a bare address)."""
    return "<a " in html


def _cost(source: str) -> int:
    """A cheap upper estimate of Python-Markdown's work on source."""
    return sum(source.count(ch) for ch in _MARKUP_CHARS) * len(source)


def _render_here(source: str) -> str:
    try:
        return markdown.markdown(source, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    except RecursionError as exc:
        raise RenderError(TOO_DEEP) from exc


TOO_DEEP = "Text is nested too deeply to display; flatten the lists or quotes."
TOO_COMPLEX = (
    "Text is too complex to display quickly: it has a great many brackets or other markup. "
    "Simplify the links and brackets, or split it into several entries."
)


def _render_isolated(source: str, timeout: float = RENDER_TIMEOUT) -> str:
    """Render in a child process with a hard time limit (cooperative under gevent)."""
    job = json.dumps({"source": source, "extensions": MARKDOWN_EXTENSIONS})
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_WORKER)],
            input=job.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(TOO_COMPLEX) from exc
    if done.returncode == 3:
        raise RenderError(TOO_DEEP)
    if done.returncode != 0:
        raise RenderError("The text could not be rendered; simplify its markup and try again.")
    return done.stdout.decode()
