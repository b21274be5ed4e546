"""Anonymous readers' hub and blog pages, answered in front of Flask for up to a second.

During a keynote thousands of phones load and revalidate the same few pages.
Each answer Flask gives an anonymous reader for a page that opted in
(caching.py marks it) is remembered per URL for a short window: within it, the
same URL is answered from memory, a 304 when the reader's ETag still matches
and the page itself otherwise, without Flask, the session or the database.
A change pushed by this process forgets everything at once; one pushed by
another process forgets it as it arrives through Redis (blog/live/queue.py),
and at the latest when the window ends, should Redis drop it. The page's script
follows the change stream from the seq the page carries, so a copy one window
old is caught up live rather than shown stale.
"""

from __future__ import annotations

import collections
import threading
import time

from werkzeug.http import parse_etags, unquote_etag

from blog.platform.i18n import reader_choice

# Where caching.py marks an anonymous, public page answer that may be replayed.
ENVIRON_MARKS = "showfloor.page_cache"
# Bounds on memory: a blog page is tens of KiB; older URLs go first.
MAX_URLS = 4096
MAX_BODY_BYTES = 32 * 1024 * 1024
# Headers of a page's answer that a 304 leaves out: they describe a body.
_BODY_HEADERS = {"content-length", "content-type", "content-encoding", "transfer-encoding"}


class RememberedPage:
    """What Flask last answered for one URL: ETag, headers for 200 and 304, body, when."""

    __slots__ = ("etag", "full_headers", "headers_304", "body", "at", "endpoint")

    def __init__(self, *, etag, full_headers, body, at, endpoint) -> None:
        self.etag, self.full_headers, self.body = etag, full_headers, body
        self.headers_304 = [(n, v) for n, v in full_headers if n.lower() not in _BODY_HEADERS]
        self.at, self.endpoint = at, endpoint


class AnonymousPageCache:
    """WSGI middleware: remembered answers for anonymous GETs of pages that allow it."""

    def __init__(self, wsgi_app, config: dict, observe=None) -> None:
        self.wsgi_app = wsgi_app
        # The app's config, read per request: PAGE_CACHE_WINDOW_S and, in
        # tests, CLOCK (a callable returning an aware datetime).
        self.config = config
        self.observe = observe
        self._pages: collections.OrderedDict[tuple, RememberedPage] = collections.OrderedDict()
        self._body_bytes = 0
        # Moves on every forget(): an answer rendered across a change is not kept.
        self._generation = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        """Answer from memory while fresh; pass anything else to the app and learn from it."""
        key = _key(environ) if self.config["PAGE_CACHE_WINDOW_S"] > 0 else None
        if key is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        inm = environ.get("HTTP_IF_NONE_MATCH")
        # A date-only revalidation (no ETag sent) is Flask's to judge.
        page = self._fresh(key) if inm or "HTTP_IF_MODIFIED_SINCE" not in environ else None
        if page is not None:
            if inm and parse_etags(inm).contains_weak(page.etag):
                start_response("304 NOT MODIFIED", list(page.headers_304))
                return self._observed(page, "304", [], started)
            if page.body is not None:
                start_response("200 OK", list(page.full_headers))
                return self._observed(page, "200", [page.body], started)
        # A holder, not a value: Flask-SocketIO hands Flask a shallow copy of environ.
        marks: dict[str, str | None] = {}
        environ[ENVIRON_MARKS] = marks
        answer = {"generation": self._generation}

        def noting(status, headers, exc_info=None):
            answer.update(status=status, headers=headers, failed=exc_info is not None)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, noting)
        endpoint = marks.get("endpoint")
        if not endpoint or answer.get("failed"):
            return result
        return self._learn(key, endpoint, answer, result)

    def _observed(self, page: RememberedPage, status: str, body: list, started: float) -> list:
        if self.observe is not None:
            self.observe(page.endpoint, status, time.perf_counter() - started)
        return body

    def _fresh(self, key) -> RememberedPage | None:
        page = self._pages.get(key)
        if page is None or self.clock() - page.at >= self.config["PAGE_CACHE_WINDOW_S"]:
            return None
        return page

    def _learn(self, key, endpoint: str, answer: dict, result):
        status, headers = answer["status"][:3], answer["headers"]
        names = {name.lower() for name, _ in headers}
        if status not in ("200", "304") or "set-cookie" in names or "etag" not in names:
            return result
        body = None
        if status == "200":  # pages are not streamed: keep the bytes, send the same
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            result = [body]
        etag = unquote_etag(next(v for n, v in headers if n.lower() == "etag"))[0]
        page = RememberedPage(
            etag=etag, full_headers=list(headers), body=body, at=self.clock(), endpoint=endpoint
        )
        self._keep(key, page, answer["generation"])
        return result

    def _keep(self, key, page: RememberedPage, generation: int) -> None:
        with self._lock:
            if generation != self._generation:  # a change was pushed while it rendered
                return
            old = self._pages.pop(key, None)
            if old is not None and old.body is not None:
                self._body_bytes -= len(old.body)
            self._pages[key] = page
            self._body_bytes += len(page.body or b"")
            while len(self._pages) > MAX_URLS or self._body_bytes > MAX_BODY_BYTES:
                _, dropped = self._pages.popitem(last=False)
                self._body_bytes -= len(dropped.body or b"")

    def clock(self) -> float:
        """Seconds on the app's clock (a test's, when it set one), else the monotonic clock."""
        clock = self.config.get("CLOCK")
        return clock().timestamp() if clock is not None else time.monotonic()

    def forget(self) -> None:
        """Drop everything remembered: this process just pushed a change."""
        with self._lock:
            self._pages.clear()
            self._body_bytes = 0
            self._generation += 1


def _key(environ) -> tuple | None:
    """The URL an anonymous GET is for and the language it asks for; None: not ours to answer."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    # Any cookie may carry a session: logged-in pages are private and go to Flask.
    if environ.get("HTTP_COOKIE"):
        return None
    # The scheme too: absolute URLs in a page (og:image) follow it.
    scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme")
    # Not the header itself (endless spellings): the locale it picks, one of a few.
    language = reader_choice(environ.get("HTTP_ACCEPT_LANGUAGE"))
    path, query = environ.get("PATH_INFO"), environ.get("QUERY_STRING")
    return scheme, environ.get("HTTP_HOST"), path, query, language


def mark_replayable(environ, endpoint: str | None) -> None:
    """Let the middleware remember this answer (an anonymous reader's public page)."""
    marks = environ.get(ENVIRON_MARKS)
    if marks is not None:  # None: no middleware in front (a GET with a cookie, say)
        marks["endpoint"] = endpoint
