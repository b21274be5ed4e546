"""Logging in and out of the browser desk."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from . import queries

bp = Blueprint("auth", __name__)

# Checked against when the email is unknown, so both paths cost one scrypt
# and response time does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form, or check the credentials and start a session."""
    if request.method == "GET":
        return render_template("auth/login.html", next=_safe_next())
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    user = queries.user_by_email(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.active):
        error = "Wrong email or password, or the account is deactivated."
        return render_template("auth/login.html", error=error, email=email, next=_safe_next()), 401
    session.clear()
    session["uid"] = user.id
    # A later deactivation, role or password change bumps the epoch and so
    # ends this session (see web.current_session_user).
    session["epoch"] = user.session_epoch
    return redirect(_safe_next() or url_for("report.desk"))


@bp.post("/logout")
def logout():
    """End the session."""
    session.clear()
    g.user = None
    return redirect(url_for("public.index"))


def _safe_next() -> str | None:
    """Only same-site paths may be a post-login destination."""
    target = request.values.get("next", "")
    # Browsers drop tabs and newlines from a URL and read a backslash as a slash,
    # so "/\t/evil.example" would lead off site: refuse such characters.
    if not target.isprintable() or "\\" in target:
        return None
    return target if target.startswith("/") and not target.startswith("//") else None
