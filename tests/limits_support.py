"""Helpers shared by the abuse-limit tests: an injected clock, per-test limits, login attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token

# A whole hour: every window of every limit starts here.
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOME, ELSEWHERE = "203.0.113.1", "198.51.100.2"


class Clock:
    """The app's injected clock; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def move(self, seconds: float) -> None:
        """Move the clock on by seconds."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture(name="clock")
def clock_fixture(app):
    """The app's clock, set to START."""
    app.config["CLOCK"] = Clock()
    return app.config["CLOCK"]


def set_limits(app, **limits) -> None:
    """Change limits for this test's app only."""
    app.config["LIMITS"] = {**app.config["LIMITS"], **limits}


def attempt_login(client, email: str, password: str = "wrong password", ip: str = HOME):
    """Post the login form from the address ip."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": ip})
