"""Readers' languages: the locales offered, which one a page is in, and the compiled catalogues.

The rule (docs/i18n.md): a reader page is in the first language of the reader's
Accept-Language (in the reader's order, q > 0) that is one of LOCALES, matched
exactly ("en-GB") or by its language ("en-US" is "en", "es-MX" is "es");
failing that, in its event's locale (Event.locale); pages about no event fall
back to DEFAULT_LOCALE. The staff's audiences stay English whatever is asked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

# The repository: blog/platform/ is two levels below it.
ROOT = Path(__file__).resolve().parents[2]
# Catalogues as translators edit them (.po); compiled (.mo) into the instance folder.
CATALOGUES = ROOT / "translations"
DEFAULT_LOCALE = "en"
# Every locale an event may choose and a reader may ask for, named in itself. "en"
# follows CLDR's English ("Mar 4, 5:00 PM"), "en_GB" the 24-hour clock ("4 Mar, 17:00");
# both read the English source strings, "es" its catalogue.
LOCALES = {"en": "English", "en_GB": "English (UK)", "es": "Español"}
# Audiences whose pages stay English (docs/i18n.md): the desk, the editor, the API.
ENGLISH_ONLY = frozenset({"desk", "desk_json", "uploads", "editor", "api", "ops"})
# Longer Accept-Language headers are cut here: nobody prefers forty languages.
MAX_HEADER_CHARS = 400


def init_app(app: Flask) -> None:
    """Compile the catalogues if they changed, and let Flask-Babel choose each page's locale."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogues(CATALOGUES, compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    Babel(app, locale_selector=_select_locale)
    app.jinja_env.globals["page_lang"] = page_lang
    app.after_request(_vary_on_language)


def reader_choice(header: str | None) -> str | None:
    """The locale an Accept-Language header asks for among ours, or None when it names none."""
    if not header:
        return None
    for tag, quality in parse_accept_header(header[:MAX_HEADER_CHARS], LanguageAccept):
        found = _ours(tag) if quality > 0 else None
        if found:
            return found
    return None


def _ours(tag: str) -> str | None:
    parts = tag.replace("_", "-").lower().split("-")
    exact = f"{parts[0]}_{parts[1].upper()}" if len(parts) > 1 else parts[0]
    if exact in LOCALES:
        return exact
    return parts[0] if parts[0] in LOCALES else None


def _select_locale() -> str:
    """Flask-Babel's locale selector: the rule in this module's docstring."""
    chosen = g.get("event_locale") or DEFAULT_LOCALE
    if not has_request_context():
        return chosen
    if request.blueprint in ENGLISH_ONLY:
        return DEFAULT_LOCALE
    return reader_choice(request.headers.get("Accept-Language")) or chosen


def join_names(names: list[str]) -> str:
    """People named together in the page's language: "A", "A and B", "A, B and C" ("A y B").

    A translated pattern rather than CLDR's list format, whose English adds a serial
    comma; static/js/l10n.js joins a pushed entry's co-authors with the same msgid.
    """
    if len(names) < 2:
        return "".join(names)
    return gettext("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def use_event_locale(locale: str) -> str:
    """Put this request's page in its event's locale (unless the reader asks for another one)."""
    g.event_locale = locale if locale in LOCALES else DEFAULT_LOCALE
    refresh()  # a string translated earlier in this request chose before the event was known
    return page_locale()


def page_locale() -> str:
    """The locale this page is rendered in, as LOCALES names it ("en_GB")."""
    return str(get_locale() or DEFAULT_LOCALE)


def page_lang() -> str:
    """The page's language as a BCP 47 tag for <html lang> and the scripts' Intl ("en-GB")."""
    return page_locale().replace("_", "-")


def current_locale() -> Locale:
    """The Babel Locale that dates, numbers and plurals are formatted in now."""
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


@contextmanager
def in_locale(locale: str) -> Iterator[None]:
    """Render in an event's own locale whatever the request chose: stored change payloads."""
    with force_locale(locale if locale in LOCALES else DEFAULT_LOCALE):
        yield


def _vary_on_language(response):
    # Readers' answers depend on Accept-Language: a shared cache must keep one per choice.
    if request.blueprint not in ENGLISH_ONLY and request.endpoint != "static":
        response.vary.add("Accept-Language")
    return response


def compile_catalogues(source: Path, target: Path) -> None:
    """Compile every source/<locale>/LC_MESSAGES/*.po into target when its text changed.

    A hash of the .po beside each .mo tells what it was compiled from: a pull or a
    checkout of any age recompiles exactly what changed. Written atomically, since
    several server processes may start at once.
    """
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        text = po.read_bytes()
        digest = hashlib.sha256(text).hexdigest()
        mo = target / po.relative_to(source).with_suffix(".mo")
        stamp = mo.with_suffix(".sha256")
        if mo.exists() and stamp.exists() and stamp.read_text() == digest:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as file:
            catalog = read_po(file, locale=po.parts[-3])
        _write_atomically(mo, lambda out, c=catalog: write_mo(out, c))
        _write_atomically(stamp, lambda out, d=digest: out.write(d.encode()))


def _write_atomically(path: Path, write) -> None:
    fd, scratch = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
