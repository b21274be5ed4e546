"""The hub page's view of the agenda: what is on stage now, what comes next, and when."""

from __future__ import annotations

from datetime import datetime

NEXT_SESSIONS = 3


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def agenda_now(agenda: list[dict], now: datetime) -> tuple[list[dict], list[dict]]:
    """Sessions on stage at now, and the next few that have not started yet."""
    on_now = [s for s in agenda if _at(s["starts_at"]) <= now < _at(s["ends_at"])]
    later = sorted((s for s in agenda if _at(s["starts_at"]) > now), key=lambda s: s["starts_at"])
    return on_now, later[:NEXT_SESSIONS]


def countdown(iso: str, now: datetime) -> str:
    """How long until a session starts, as a reader glances at it: "in 1 h 5 min"."""
    seconds = int((_at(iso) - now).total_seconds())
    if seconds <= 0:
        return "now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    if days:
        return f"in {days} d {hours} h"
    if hours:
        return f"in {hours} h {minutes} min"
    return f"in {minutes} min"
