"""The readers' scripts' words in the page's language: a table each page carries as JSON.

Which words: every message in the scripts babel.cfg extracts (they call `_()` and
`ngettext()` from static/js/l10n.js), and those of the entry partials, whose words a
pushed entry carries in its event's locale and a page in another one relabels
(docs/i18n.md). Read once per process; the table holds only words whose translation
differs from the English source, so an English page carries an empty one.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from flask_babel import force_locale, get_translations

from blog.platform.i18n import ROOT, page_locale

BABEL_CFG = ROOT / "babel.cfg"
ENTRY_PARTIALS = ("templates/_entry.html", "templates/_photo.html", "templates/_link_card.html")
JINJA = "jinja2"


@functools.cache
def script_messages() -> tuple[str | tuple[str, str], ...]:
    """The msgids (a pair for a plural) the readers' scripts and the entry partials use."""
    sources = [(path, "javascript") for path in _script_files()]
    sources += [(ROOT / name, JINJA) for name in ENTRY_PARTIALS]
    found: dict[str | tuple[str, str], None] = {}
    for path, method in sources:
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=DEFAULT_KEYWORDS
        ):
            found[message if isinstance(message, str) else (message[0], message[1])] = None
    return tuple(found)


def _script_files() -> list[Path]:
    """The files babel.cfg extracts with its javascript method."""
    with BABEL_CFG.open() as cfg:
        method_map, _options = parse_mapping_cfg(cfg)
    return [
        path
        for pattern, method in method_map
        if method == "javascript"
        for path in sorted(ROOT.glob(pattern))
    ]


def script_table() -> dict:
    """The page's table: {msgid: text} and, for a plural, {singular: {one, other}}."""
    return _table(page_locale())


@functools.cache
def _table(locale: str) -> dict:
    with force_locale(locale):
        translations = get_translations()
        table: dict = {}
        for message in script_messages():
            if isinstance(message, str):
                text = translations.ugettext(message)
                if text != message:
                    table[message] = text
                continue
            one, other = (translations.ungettext(*message, n) for n in (1, 2))
            if (one, other) != message:
                table[message[0]] = {"one": one, "other": other}
        return table
