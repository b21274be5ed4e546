"""Audit records, added to the session of the action they describe so both commit together."""

from __future__ import annotations

from blog.models import AuditRecord, User
from blog.platform import db


def audit(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    event_id: int | None,
    **detail,
) -> None:
    """Record that actor did action to an object; commits with the caller's transaction."""
    db.session.add(
        AuditRecord(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            event_id=event_id,
            detail=detail,
        )
    )
