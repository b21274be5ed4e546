"""API token pages: make a token (shown once), list one's tokens, revoke them or others'."""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from blog import actions
from blog.actions.tokens import (
    MAX_LIFETIME_DAYS,
    default_lifetime_days,
    expiry_of,
    token_by_secret,
    tokens_of,
)
from blog.content.permissions import can_manage_account, can_revoke_token
from blog.desk.pages import login_required
from blog.editor import bp
from blog.models import ApiToken, Event, User
from blog.platform import clock, db
from blog.platform.errors import ActionError, Invalid

LIFETIME_CHOICES = (7, 30, 90, 180, MAX_LIFETIME_DAYS)


def token_state(token: ApiToken) -> str:
    """'revoked', 'expired' or 'active', as the lists show it."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if expiry_of(token) <= clock.now() else "active"


def _scopable_events(user: User) -> list[Event]:
    """The events a user may limit a token to: all for editors, their assignments otherwise."""
    if user.is_editor:
        return list(db.session.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id)))
    return sorted(user.events, key=lambda e: e.name)


def _render_mine(message: str = "", status: int = 200, form=None, new_token: str = ""):
    days = default_lifetime_days()
    page = render_template(
        "editor/people/tokens.html",
        tokens=tokens_of(g.user),
        events=_scopable_events(g.user),
        lifetimes=sorted({*LIFETIME_CHOICES, days}),
        default_days=days,
        form=form or {},
        message=message,
        new_token=new_token,
        new_row=token_by_secret(new_token) if new_token else None,
        state=token_state,
        expiry=expiry_of,
        revocable=lambda _token: True,  # one's own, every one
    )
    response = _no_store(page)
    response.status_code = status
    return response


def _no_store(page: str):
    # The page that shows a new token must not sit in any cache or history store.
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/people/me/tokens")
@login_required
def my_tokens():
    """The user's API tokens and the form that makes a new one."""
    return _render_mine()


@bp.post("/people/me/tokens")
@login_required
def create_token():
    """Make a token for the logged-in user and show it this once."""
    form = request.form
    try:
        scope, days = _optional_int("event_id"), _optional_int("days")
        token = actions.create_api_token(g.user, form.get("name", ""), scope, days)
    except ActionError as exc:
        return _render_mine(exc.message, exc.status, form)
    return _render_mine(new_token=token, status=201)


def _optional_int(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 9:
        raise Invalid(f"Choose a valid {name.replace('_', ' ')}.")
    return int(raw)


@bp.post("/people/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke a token; back to the owner's token list (one's own, or the person's)."""
    token = actions.revoke_api_token(g.user, token_id)
    if token.user_id == g.user.id:
        return redirect(url_for("editor.my_tokens"))
    return redirect(url_for("editor.person_tokens", user_id=token.user_id))


@bp.get("/people/<int:user_id>/tokens")
@login_required
def person_tokens(user_id: int):
    """Another account's tokens, for the editor or admin who manages that account."""
    person = db.session.get(User, user_id) or abort(404)
    if person.id != g.user.id and not can_manage_account(g.user, person):
        abort(403)
    page = render_template(
        "editor/people/person_tokens.html",
        person=person,
        tokens=tokens_of(person),
        state=token_state,
        expiry=expiry_of,
        revocable=lambda token: can_revoke_token(g.user, token),
    )
    return _no_store(page)
