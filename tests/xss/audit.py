"""Audit rendered HTML as a browser reads it: only allowlisted markup, safe URLs, nothing invisible.

The allowlist is blog.rendering's own; this module restates only what is never safe.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from blog.content.rendering import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS

# Unicode's Bidi_Control set (PropList.txt) and the zero-width and invisible format
# characters: any of them in a link's text or address can make it read as another.
DISGUISE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# Attributes a browser resolves as URLs (on any element, were one to slip through).
URL_ATTRIBUTES = {
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "cite",
    "poster",
    "background",
    "data",
    "codebase",
    "lowsrc",
    "dynsrc",
    "xlink:href",
}
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
NEVER_SAFE_SCHEMES = {"javascript", "vbscript", "data", "livescript", "file"}


def url_scheme(value: str) -> str | None:
    """The scheme of a URL after removing whitespace, control and invisible characters."""
    kept = "".join(ch for ch in value if not _ignorable(ch)).lower()
    match = SCHEME.match(kept)
    return match.group(1) if match else None


def _ignorable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def _hidden_characters(text: str) -> list[str]:
    """Bidi, zero-width and control characters (newline and tab are fine) in decoded text."""
    found = DISGUISE.findall(text)
    found += [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]
    return [f"U+{ord(ch):04X}" for ch in found]


class _Auditor(HTMLParser):
    """Collect every problem with the markup, with entity references decoded as a browser does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowlisted")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        for name, value in attrs:
            self._attribute(tag, name, value or "", allowed)
        if tag == "a" and "noopener" not in (dict(attrs).get("rel") or "").split():
            self.problems.append("a link without rel=noopener")

    handle_startendtag = handle_starttag

    def _attribute(self, tag: str, name: str, value: str, allowed: set[str]) -> None:
        if name.startswith("on"):
            self.problems.append(f"event handler {name} on <{tag}>")
        elif name not in allowed:
            self.problems.append(f"attribute {name} on <{tag}> is not allowlisted")
        if name in URL_ATTRIBUTES:
            scheme = url_scheme(value)
            if scheme is not None and scheme not in ALLOWED_PROTOCOLS:
                self.problems.append(f"{scheme}: URL in {name} of <{tag}>")
        if hidden := _hidden_characters(value):
            self.problems.append(f"hidden characters {hidden} in {name} of <{tag}>")

    def handle_data(self, data) -> None:
        if hidden := _hidden_characters(data):
            self.problems.append(f"hidden characters {hidden} in text")

    def handle_comment(self, data) -> None:
        self.problems.append("a comment survived")

    def handle_decl(self, decl) -> None:
        self.problems.append(f"declaration <!{decl}> survived")

    def handle_pi(self, data) -> None:
        self.problems.append(f"processing instruction <?{data}> survived")

    def unknown_decl(self, data) -> None:
        self.problems.append(f"markup declaration <![{data}]> survived")


def problems(html: str) -> list[str]:
    """Everything unsafe in html; an empty list when it is clean."""
    auditor = _Auditor()
    auditor.feed(html)
    auditor.close()
    return auditor.problems
