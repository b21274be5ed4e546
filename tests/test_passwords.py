"""Password rules on every path that sets one: scrypt hashes, 8+ characters, long and
non-ASCII passphrases welcome, common and personal passwords refused with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSWORD, IsolatedClient, csrf_token, login
from sqlalchemy import func, select

from blog import actions
from blog.actions.people import password_link_token
from blog.models import AuditRecord, Role, User
from blog.platform import db
from blog.platform.config import load_config
from blog.platform.errors import Invalid

# Over 200 characters, accents and a non-Latin script included: a passphrase, not a password.
LONG_PASSPHRASE = (
    "Ñandú cantó bajo la lluvia de Barcelona mientras el keynote empezaba tarde; "
    "東京の朝は静かで、コーヒーは熱い — and the floor walk ended by the blue stand "
    "where forty-two phones were charging at once near hall three, all of them ours"
)

# What each path must refuse, and a word the reason shown must contain.
GUESSABLE = [
    ("password1", "common password"),
    ("qwertyuiop", "common password"),
    ("12345678", "common password"),
    ("aaaaaaaaaaaa", "Repeats"),
    ("abcdefghij", "Sequences"),
    ("asdfghjkl;", "rows of keys"),
    ("showfloor2027", "site's name"),
    ("Showfloor!!", "site's name"),
]


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient
    # The suite hashes cheaply; these tests check what an installation stores.
    installed = load_config(Path(app.instance_path))
    app.config["PASSWORD_HASH_METHOD"] = installed["PASSWORD_HASH_METHOD"]


def test_an_installation_hashes_with_scrypt_and_cannot_be_told_otherwise(monkeypatch, tmp_path):
    # Only an app's own settings choose the method; no environment variable does.
    monkeypatch.setenv("SHOWFLOOR_PASSWORD_HASH_METHOD", "plain")
    assert load_config(tmp_path)["PASSWORD_HASH_METHOD"] == "scrypt"


def stored_hash(user) -> str:
    return db.session.scalar(select(User.password_hash).where(User.id == user.id))


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_long_passphrases_are_long_enough():
    assert len(LONG_PASSPHRASE) > 200 and not LONG_PASSPHRASE.isascii()


# --- the rule itself -------------------------------------------------------------------


@pytest.mark.parametrize(("password", "reason"), GUESSABLE)
def test_common_and_patterned_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(Invalid) as refused:
        actions.create_user("ana@example.test", "Ana Lopez", password, Role.REPORTER)
    message = refused.value.message
    assert message.startswith("This password is too easy to guess.")
    assert reason in message and "passphrase" in message
    assert users() == 0


@pytest.mark.parametrize("password", ["ana@example.test", "Ana Lopez 1", "anaexample", "lopezana"])
def test_the_accounts_own_email_or_name_is_refused(password):
    with pytest.raises(Invalid, match="too easy to guess"):
        actions.create_user("ana@example.test", "Ana Lopez", password, Role.REPORTER)


@pytest.mark.parametrize(
    "password",
    ["short", "seven77", "x" * 257],
)
def test_length_is_8_to_256_characters(password):
    with pytest.raises(Invalid, match="8 to 256 characters"):
        actions.create_user("ana@example.test", "Ana", password, Role.REPORTER)


def test_a_long_repeat_is_refused_although_only_its_start_is_judged():
    with pytest.raises(Invalid, match="Repeats"):
        actions.create_user("ana@example.test", "Ana", "ab" * 120, Role.REPORTER)


@pytest.mark.parametrize("password", [LONG_PASSPHRASE, "ÿñ ünïcødé wörds çà", PASSWORD])
def test_passphrases_are_accepted_hashed_with_scrypt_and_log_in(app, password):
    user = actions.create_user("ana@example.test", "Ana", password, Role.REPORTER)
    assert stored_hash(user).startswith("scrypt:")
    assert password not in stored_hash(user)
    assert login(app.test_client(), user, password).status_code == 302
    assert login(app.test_client(), user, password[:-1]).status_code == 401


# --- every path that sets a password ----------------------------------------------------


def test_the_cli_refuses_a_common_password_and_accepts_a_long_one(app):
    runner = app.test_cli_runner()

    def create(email, password):
        return runner.invoke(args=["user", "create", email, "--password", password])

    refused = create("ana@example.test", "password1")
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert "too easy to guess" in refused.output and users() == 0
    accepted = create("ana@example.test", LONG_PASSPHRASE)
    assert accepted.exit_code == 0, accepted.output
    assert stored_hash(db.session.scalar(select(User))).startswith("scrypt:")


def set_password_form(client, token, password, confirm=None):
    page = f"/people/set-password/{token}"
    data = {"password": password, "confirm": confirm or password}
    return client.post(page, data={**data, "csrf_token": csrf_token(client, page)})


def test_invite_acceptance_refuses_a_common_password_and_keeps_the_link(app, make_user):
    invited = make_user(Role.REPORTER)
    before = stored_hash(invited)
    token = password_link_token(invited)
    client = app.test_client()
    weak = set_password_form(client, token, "qwertyuiop")
    assert weak.status_code == 422
    assert "too easy to guess" in weak.get_data(as_text=True)
    assert stored_hash(invited) == before  # nothing written, and the link still works
    good = set_password_form(client, token, LONG_PASSPHRASE)
    assert good.status_code == 302
    assert stored_hash(invited).startswith("scrypt:") and stored_hash(invited) != before
    assert login(app.test_client(), invited, LONG_PASSPHRASE).status_code == 302


def change_password(client, current, new, confirm=None):
    page = "/people/me/password"
    data = {"current": current, "new": new, "confirm": confirm or new}
    return client.post(page, data={**data, "csrf_token": csrf_token(client, page)})


def test_password_change_refuses_guessable_passwords_and_records_the_change(app, make_user):
    reporter = make_user(Role.REPORTER)
    before = stored_hash(reporter)
    client = app.test_client()
    login(client, reporter)
    for weak in ("password1", reporter.email, "showfloor2027"):
        response = change_password(client, PASSWORD, weak)
        assert response.status_code == 422, weak
        assert "too easy to guess" in response.get_data(as_text=True)
    assert change_password(client, PASSWORD, "short").status_code == 422
    assert stored_hash(reporter) == before
    assert change_password(client, PASSWORD, LONG_PASSPHRASE).status_code == 200
    assert stored_hash(reporter).startswith("scrypt:") and stored_hash(reporter) != before
    logged = select(AuditRecord.action).where(AuditRecord.object_id == reporter.id)
    assert "user.change_password" in db.session.scalars(logged).all()
    assert login(app.test_client(), reporter, LONG_PASSPHRASE).status_code == 302


def test_the_wrong_current_password_is_refused_before_the_new_one_is_judged(app, make_user):
    reporter = make_user(Role.REPORTER)
    client = app.test_client()
    login(client, reporter)
    response = change_password(client, "not my password at all", "password1")
    assert response.status_code == 422
    assert "current password is not right" in response.get_data(as_text=True)
