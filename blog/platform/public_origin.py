"""Absolute URLs name the configured public origin, never the Host header a client sent."""

from __future__ import annotations

from urllib.parse import urlsplit


class PublicOrigin:
    """WSGI middleware: Flask sees the configured host and scheme whatever the request says.

    Canonical links, og:url, JSON-LD, feeds and embed code are built from the
    request's host; a forged Host header would otherwise be written into pages
    that caches and search engines keep. With PUBLIC_URL unset (the embedded
    demo; production refuses to start so) the request's own host is used.
    """

    def __init__(self, wsgi_app, config: dict) -> None:
        self.wsgi_app = wsgi_app
        # The app's config, read per request, so a test can set PUBLIC_URL.
        self.config = config

    def __call__(self, environ, start_response):
        """Replace the request's host and scheme with the public ones, if configured."""
        public_url = self.config.get("PUBLIC_URL")
        if public_url:
            parts = urlsplit(public_url)
            environ["HTTP_HOST"] = parts.netloc
            environ["wsgi.url_scheme"] = parts.scheme
            environ.pop("HTTP_X_FORWARDED_HOST", None)
        return self.wsgi_app(environ, start_response)


class NoSniff:
    """WSGI middleware: every answer says nosniff, those made outside Flask too.

    Engine.IO's polling answers and the handshake limit's 429 never pass
    Flask's after-request hooks.
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        """Add X-Content-Type-Options to an answer that lacks it."""

        def adding(status, headers, exc_info=None):
            if not any(name.lower() == "x-content-type-options" for name, _ in headers):
                headers = [*headers, ("X-Content-Type-Options", "nosniff")]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, adding)
