"""Errors an action raises; each carries a message a person can act on and an HTTP status."""

from __future__ import annotations

# Seconds a client waits before retrying while the database is briefly
# unavailable: the HTTP 503's Retry-After and the socket follow's retry_after.
DATABASE_RETRY_AFTER_S = 5


class ActionError(Exception):
    """A refused write; nothing was changed."""

    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_json(self) -> dict:
        """The JSON body the API answers with."""
        body: dict[str, object] = {"error": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class NotFound(ActionError):
    """The object does not exist (or the user may not know it does)."""

    status = 404


class Forbidden(ActionError):
    """The user lacks the role or the event membership for this."""

    status = 403


class Invalid(ActionError):
    """The input breaks a rule; fields name what to fix."""

    status = 422


class Conflict(ActionError):
    """The entry changed since the writer loaded it."""

    status = 409

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = current

    def to_json(self) -> dict:
        """The error plus the entry as it stands now."""
        return {"error": self.message, "current": self.current}
