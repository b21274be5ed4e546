"""Logging in and out of the browser desk."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from blog import actions
from blog.content import queries
from blog.desk import bp
from blog.models import User
from blog.platform import db
from blog.platform.limits import login_refusal

# A browser that has logged in to an account carries this signed cookie: ten
# wrong guesses by someone else must not lock the account's owner out of the
# devices they use (the per-address limit still counts their attempts).
DEVICE_COOKIE = "showfloor_device"
DEVICE_DAYS = 180

# Checked against when the email is unknown, so both paths cost one scrypt
# and response time does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form, or check the credentials and start a session."""
    if request.method == "GET":
        return render_template("desk/login.html", next=_safe_next())
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    # Counted before the password is checked, so guesses past the limit learn nothing.
    user = queries.user_by_email(email)
    refused = login_refusal(email, known_device=user is not None and _known_device(user.id))
    if refused:
        page = render_template("desk/login.html", error=refused, email=email, next=_safe_next())
        return page, 429
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.active):
        error = "Wrong email or password, or the account is deactivated."
        return render_template("desk/login.html", error=error, email=email, next=_safe_next()), 401
    start_session(user)
    response = redirect(_safe_next() or url_for("desk.desk"))
    _remember_device(response, user.id)
    return response


def _devices() -> URLSafeTimedSerializer:
    secret = current_app.secret_key
    if secret is None:  # the config always sets one (blog/platform/config.py)
        raise RuntimeError("SECRET_KEY is not set; the app cannot sign a known device.")
    return URLSafeTimedSerializer(secret, salt="showfloor-known-device")


def _remember_device(response, user_id: int) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps(user_id),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _known_device(user_id: int) -> bool:
    """True when this browser carries a device cookie signed for this account."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        return _devices().loads(cookie, max_age=DEVICE_DAYS * 86400) == user_id
    except BadSignature:
        return False


def start_session(user) -> None:
    """Give this browser a fresh session for the user: nothing of the old one carries over."""
    # A fresh dict is Flask's rotation of a signed-cookie session: a cookie
    # planted before login (session fixation) and its CSRF token die here.
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token of the old session in g
    session["uid"] = user.id
    # A later logout, deactivation, role or password change bumps the epoch and
    # so ends this session (see current_session_user below).
    session["epoch"] = user.session_epoch


@bp.post("/logout")
def logout():
    """End the session everywhere: every browser and open socket of the account."""
    if g.user is not None:
        actions.end_sessions(g.user)
    session.clear()
    g.user = None
    return redirect(url_for("readers.index"))


def _safe_next() -> str | None:
    """Only same-site paths may be a post-login destination."""
    target = request.values.get("next", "")
    # Browsers drop tabs and newlines from a URL and read a backslash as a slash,
    # so "/\t/evil.example" would lead off site: refuse such characters.
    if not target.isprintable() or "\\" in target:
        return None
    return target if target.startswith("/") and not target.startswith("//") else None


def current_session_user() -> User | None:
    """The active user of this browser session, if one is logged in and not since revoked."""
    user_id = session.get("uid")
    if user_id is None:
        return None
    # Re-read, never trust the identity map: a deactivation committed by another
    # request must end this session on its very next request.
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None or not user.active or session.get("epoch") != user.session_epoch:
        return None
    return user
