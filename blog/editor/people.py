"""People and roles in the browser: invite, assign to events, change roles, deactivate."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from blog import actions
from blog.actions.people import user_for_password_token
from blog.content.permissions import (
    can_change_role,
    can_grant_role,
    can_manage_account,
    can_manage_people,
)
from blog.desk.login import start_session
from blog.desk.pages import login_required
from blog.editor import bp
from blog.models import Event, Role, User
from blog.platform import db
from blog.platform.errors import ActionError, Invalid


def _require_people_desk() -> None:
    if not can_manage_people(g.user):
        abort(403)


def _form_int(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise Invalid(f"Choose a valid {name.replace('_', ' ')}.")
    return int(raw)


def _all_events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id)))


def _render_index(form=None, message: str = "", status: int = 200):
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.name, User.id))
    grantable = [r for r in Role if can_grant_role(g.user, r)]
    page = render_template(
        "editor/people/index.html",
        users=list(users),
        events=_all_events(),
        roles=grantable,
        form=form or {},
        message=message,
    )
    return page, status


@bp.get("/people/")
@login_required
def people():
    """Every account with its role, state and events, and the invite form."""
    _require_people_desk()
    return _render_index()


@bp.post("/people/invite")
@login_required
def invite():
    """Create an account and show its one-time set-password link to the editor."""
    _require_people_desk()
    form = request.form
    event_id = int(form["event_id"]) if form.get("event_id", "").isdigit() else None
    try:
        user, token = actions.invite_user(
            g.user, form.get("email", ""), form.get("name", ""), form.get("role", ""), event_id
        )
    except ActionError as exc:
        return _render_index(form, exc.message, exc.status)
    return _render_link(user, token, invited=True)


def _render_link(user: User, token: str, invited: bool):
    link = url_for("editor.set_password", token=token, _external=True)
    return render_template("editor/people/link.html", person=user, link=link, invited=invited)


def _person_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    """One account: its role, events, state, and the forms that change them."""
    _require_people_desk()
    target = _person_or_404(user_id)
    return render_template(
        "editor/people/person.html",
        person=target,
        events=_all_events(),
        roles=list(Role),
        may_change_role=can_change_role(g.user, target),
        may_manage=can_manage_account(g.user, target),
    )


@bp.post("/people/<int:user_id>/assign")
@login_required
def assign(user_id: int):
    """Assign the account to an event."""
    actions.assign_to_event(g.user, user_id, _form_int("event_id"))
    return redirect(url_for("editor.person", user_id=user_id))


@bp.post("/people/<int:user_id>/unassign")
@login_required
def unassign(user_id: int):
    """Take the account off an event."""
    actions.unassign_from_event(g.user, user_id, _form_int("event_id"))
    return redirect(url_for("editor.person", user_id=user_id))


@bp.post("/people/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    """Give the account another role (admins)."""
    actions.change_role(g.user, user_id, request.form.get("role", ""))
    return redirect(url_for("editor.person", user_id=user_id))


@bp.post("/people/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    """Lock the account out at once: sessions, sockets and API tokens."""
    actions.deactivate_user(g.user, user_id)
    return redirect(url_for("editor.person", user_id=user_id))


@bp.post("/people/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    actions.reactivate_user(g.user, user_id)
    return redirect(url_for("editor.person", user_id=user_id))


@bp.post("/people/<int:user_id>/password-link")
@login_required
def password_link(user_id: int):
    """Make a fresh one-time set-password link for the account."""
    token = actions.issue_password_link(g.user, user_id)
    return _render_link(_person_or_404(user_id), token, invited=False)


@bp.route("/people/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Let the owner of a link choose a password; the link then stops working."""
    user = user_for_password_token(token)
    if user is None:
        message = "This link has expired or was already used. Ask an editor for a new one."
        return render_template("error.html", message=message, status=410), 410
    if request.method == "GET":
        return render_template("editor/people/set_password.html", person=user, token=token)
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        error = "The two passwords differ; type the same one twice."
        page = render_template(
            "editor/people/set_password.html", person=user, token=token, error=error
        )
        return page, 422
    try:
        actions.set_password_with_token(token, password)
    except ActionError as exc:
        page = render_template(
            "editor/people/set_password.html", person=user, token=token, error=exc.message
        )
        return page, exc.status
    return redirect(url_for("desk.login", email=user.email))


@bp.route("/people/me/password", methods=["GET", "POST"])
@login_required
def my_password():
    """Change one's own password; this session stays, every other one ends."""
    if request.method == "GET":
        return render_template("editor/people/my_password.html")
    form = request.form
    if form.get("new", "") != form.get("confirm", ""):
        error = "The two new passwords differ; type the same one twice."
        return render_template("editor/people/my_password.html", error=error), 422
    try:
        user = actions.change_own_password(g.user, form.get("current", ""), form.get("new", ""))
    except ActionError as exc:
        return render_template("editor/people/my_password.html", error=exc.message), exc.status
    # Keep this browser logged in, in a fresh session under the new epoch; the others are out.
    start_session(user)
    return render_template("editor/people/my_password.html", done=True)
