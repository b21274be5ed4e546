"""Password hashes: scrypt, unless an app's settings name another method (the test suite does)."""

from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.security import generate_password_hash

DEFAULT_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """The hash to store for password, by the app's PASSWORD_HASH_METHOD."""
    # Not read from the environment: a deployment cannot weaken it by accident.
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else DEFAULT_METHOD
    return generate_password_hash(password, method=method)
