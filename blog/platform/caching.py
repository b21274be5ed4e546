"""HTTP validators for readers' pages and the change cursor: ETags from seqs and the assets."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, request, session, url_for
from werkzeug.http import is_resource_modified

from blog.platform import page_cache
from blog.platform.i18n import page_locale

# The repository: blog/platform/ is two levels below it.
ROOT = Path(__file__).resolve().parents[2]
# Everything a page's bytes depend on besides the data: a deploy changes the hash.
_VERSIONED = ("templates", "static/js", "static/css", "translations")
# Seconds a shared cache (nginx, a CDN) may repeat a change-cursor answer: polling
# readers at the same seq ask the same URL, so one origin request serves them all.
CURSOR_MAX_AGE_S = 1


def asset_version(root: Path = ROOT) -> str:
    """A short hash of the templates, scripts and styles as deployed."""
    digest = hashlib.sha256()
    for folder in _VERSIONED:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Compute the asset version once and offer versioned static URLs to templates."""
    app.config.setdefault("ASSET_VERSION", asset_version())
    app.jinja_env.globals["asset_url"] = asset_url


def asset_url(filename: str) -> str:
    """A static file's URL carrying the asset version, so a deploy busts caches."""
    return url_for("static", filename=filename, v=current_app.config["ASSET_VERSION"])


def page_etag(*parts: object) -> str:
    """An ETag for a page from what its content depends on: seqs, ids, the viewer, the locale."""
    user = g.get("user")
    key = [current_app.config["ASSET_VERSION"], user.id if user else 0, page_locale(), *parts]
    return hashlib.sha256(repr(key).encode()).hexdigest()[:24]


def not_modified(etag: str, last_modified: datetime | None) -> bool:
    """Tell whether the client's cached copy (If-None-Match / If-Modified-Since) is current."""
    if last_modified is not None:
        last_modified = last_modified.replace(microsecond=0)
    return not is_resource_modified(request.environ, etag=etag, last_modified=last_modified)


def conditional(
    body, etag: str, last_modified: datetime | None, replayable: bool = False
) -> Response:
    """Wrap a body with validators; readers revalidate every time (the page is live).

    replayable: an anonymous reader's answer may be repeated for a moment
    without asking Flask again (blog/platform/page_cache.py).
    """
    if replayable and g.get("user") is None:
        page_cache.mark_replayable(request.environ, request.endpoint)
    response = current_app.make_response(body)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    # Logged-in pages carry the user's name and forms: never in a shared cache.
    private = g.get("user") is not None
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
    response.vary.add("Cookie")
    return response


def unchanged(etag: str, last_modified: datetime | None, replayable: bool = False) -> Response:
    """The 304 answer for a cached copy that is still current."""
    response = conditional("", etag, last_modified, replayable)
    response.status_code = 304
    return response


def cursor_etag(*parts: object) -> str:
    """An ETag for a change-cursor answer: the same for every reader, whoever asks."""
    key = [current_app.config["ASSET_VERSION"], *parts]
    return hashlib.sha256(repr(key).encode()).hexdigest()[:24]


def cursor_answer(body, etag: str, status: int = 200) -> Response:
    """A change-cursor answer (or its 304) that any cache may repeat for a second."""
    # The same for everyone, logged in or not: the middleware may replay it too,
    # and the session read at the request's start must not add "Vary: Cookie"
    # (a shared cache would then keep one copy per cookie, or none at all).
    page_cache.mark_replayable(request.environ, request.endpoint)
    session.accessed = False
    response = current_app.make_response(body)
    response.status_code = status
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = CURSOR_MAX_AGE_S
    return response
