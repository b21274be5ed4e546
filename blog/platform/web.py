"""App-wide web plumbing: the current user, security headers, errors, template helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.routing import IntegerConverter

from blog.platform import dates, db
from blog.platform.errors import DATABASE_RETRY_AFTER_S, ActionError
from blog.platform.migrate import schema_problem
from blog.platform.public_origin import NoSniff

BASE_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
]


def content_security_policy(frame_sources: list[str]) -> str:
    """The site's policy; frame-src names exactly the players a link card may load on a click."""
    frames = " ".join(frame_sources) or "'none'"
    return "; ".join([*BASE_POLICY, f"frame-src {frames}"])


def site_policy() -> str:
    """The current app's Content Security Policy, as every page but the embed sends it."""
    if request and request.blueprint in STAFF_BLUEPRINTS:
        return current_app.extensions["showfloor_staff_csp"]
    return current_app.extensions["showfloor_csp"]


class BoundedInt(IntegerConverter):
    """URL integers that fit the database's ids: larger ones are a 404, never an overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


MAX_ID = 2**31 - 1


def init_app(
    app: Flask,
    session_user: Callable[[], object | None],
    start_scheduler: Callable[[Flask], None],
    frame_sources: list[str],
) -> None:
    """Install request hooks, headers, error handlers and template helpers.

    The factory hands in who is logged in, how the scheduler starts and which
    players pages may frame: all live above this layer.
    """
    app.extensions["showfloor_csp"] = content_security_policy(frame_sources)
    # Staff pages also frame the site's own pages: the composer shows the blog as readers see it.
    app.extensions["showfloor_staff_csp"] = content_security_policy(["'self'", *frame_sources])
    # Before any blueprint adds rules: every <int:…> in a URL is bounded.
    app.url_map.converters["int"] = BoundedInt
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)
    app.before_request(_check_schema)
    # current_app is a LocalProxy; Flask types it as the Flask object it stands for.
    app.before_request(lambda: start_scheduler(current_app._get_current_object()))  # type: ignore[attr-defined]
    app.before_request(lambda: setattr(g, "user", session_user()))
    app.after_request(_security_headers)
    # Outermost (the factory registers this last): answers made before Flask too.
    # Flask's documented way to wrap the app in WSGI middleware; its types call wsgi_app a method.
    app.wsgi_app = NoSniff(app.wsgi_app)  # type: ignore[method-assign]
    app.teardown_appcontext(lambda _exc: db.session.remove())
    app.register_error_handler(ActionError, _action_error)
    app.register_error_handler(CSRFError, _csrf_error)
    for status in (404, 405, 410, 413):
        app.register_error_handler(status, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.jinja_env.filters["venue_time"] = venue_time
    app.jinja_env.filters["iso"] = dates.iso
    app.jinja_env.filters["when"] = dates.venue_when
    app.jinja_env.filters["date_range"] = dates.date_range
    app.context_processor(lambda: {"current_user": g.get("user")})


def _check_schema():
    app = current_app
    if not app.config.get("CHECK_SCHEMA") or app.extensions.get("showfloor_schema_ok"):
        return None
    problem = schema_problem(app.extensions["showfloor_engine"])
    if problem:
        return render_template("error.html", message=problem, status=503), 503
    app.extensions["showfloor_schema_ok"] = True
    return None


# Blueprints whose every answer to a logged-in user is the user's own: their
# names, drafts, review queue, exports and CSRF tokens must not outlive the tab.
STAFF_BLUEPRINTS = frozenset({"desk", "desk_json", "uploads", "editor"})
# A year, the usual preload minimum; sent only when production serves HTTPS.
HSTS = "max-age=31536000; includeSubDomains"


def _security_headers(response):
    policy = site_policy()
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if g.get("user") is not None and request.blueprint in STAFF_BLUEPRINTS:
        response.headers["Cache-Control"] = "private, no-store"
    if current_app.config.get("PRODUCTION"):
        response.headers["Strict-Transport-Security"] = HSTS
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    # A route that set its own frame-ancestors (the embed) decides framing alone.
    if response.headers["Content-Security-Policy"] == policy:
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def wants_json() -> bool:
    """Tell whether the client asked for JSON (the API) rather than a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _action_error(exc: ActionError):
    db.session.rollback()
    if wants_json():
        return jsonify(exc.to_json()), exc.status
    return render_template("error.html", message=exc.message, status=exc.status), exc.status


def _out_of_range(exc):
    db.session.rollback()
    message = _("A number in the request is out of range.")
    if wants_json():
        return jsonify({"error": message}), 400
    return render_template("error.html", message=message, status=400), 400


def _http_error(exc):
    """JSON for API clients (routing errors never reach the API blueprint), a page for people."""
    if wants_json():
        return jsonify({"error": exc.description}), exc.code
    message = exc.description
    if message == type(exc).description:  # Werkzeug's own English: say it in the page's language
        message = _http_messages().get(exc.code, message)
    return render_template("error.html", message=message, status=exc.code), exc.code


def _http_messages() -> dict[int, str]:
    return {
        404: _("There is nothing at this address. Check it, or start from the list of events."),
        405: _("This address does not take that kind of request."),
        410: _("This update was retracted and is no longer shown."),
        413: _("That is more than the server accepts in one request."),
    }


def _csrf_error(exc: CSRFError):
    # The desk's outbox reacts to "csrf": fetch a fresh token and send again.
    message = _("The form's security token is missing or expired; reload the page and retry.")
    if wants_json() or request.is_json:
        return jsonify({"error": message, "csrf": True}), 400
    return render_template("error.html", message=message, status=400), 400


def _database_unavailable(exc: OperationalError):
    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", exc.orig)
    message = _("The database is unavailable for a moment. Try again in a few seconds.")
    if wants_json():
        response = jsonify({"error": message})
    else:
        response = current_app.make_response(
            render_template("error.html", message=message, status=503)
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def venue_time(dt: datetime | None, tz: str, fmt: str = "%H:%M") -> str:
    """Format an aware datetime in the event's timezone."""
    if dt is None:
        return ""
    return dt.astimezone(ZoneInfo(tz)).strftime(fmt)
