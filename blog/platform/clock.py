"""The time as actions see it; tests set app.config["CLOCK"] to move it without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current aware UTC time, or the injected clock's time."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else utcnow()
