"""Configuration from the environment: embedded defaults, production by variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_DATABASE_URL = "SHOWFLOOR_DATABASE_URL"
ENV_REDIS_URL = "SHOWFLOOR_REDIS_URL"
ENV_SECRET_KEY = "SHOWFLOOR_SECRET_KEY"
ENV_ASYNC_MODE = "SHOWFLOOR_ASYNC_MODE"
ENV_ALLOWED_ORIGINS = "SHOWFLOOR_ALLOWED_ORIGINS"
ENV_PRODUCTION = "SHOWFLOOR_PRODUCTION"
ENV_MEDIA_ROOT = "SHOWFLOOR_MEDIA_ROOT"
ENV_MAX_UPLOAD_BYTES = "SHOWFLOOR_MAX_UPLOAD_BYTES"
ENV_REDIS_CHANNEL = "SHOWFLOOR_REDIS_CHANNEL"
ENV_PING_INTERVAL = "SHOWFLOOR_PING_INTERVAL"
ENV_PING_TIMEOUT = "SHOWFLOOR_PING_TIMEOUT"


def load_config(instance_path: Path) -> dict:
    """Read settings from the environment, falling back to the embedded defaults."""
    instance_path.mkdir(parents=True, exist_ok=True)
    production = os.environ.get(ENV_PRODUCTION, "") == "1"
    origins = [o for o in os.environ.get(ENV_ALLOWED_ORIGINS, "").split(",") if o]
    return {
        "DATABASE_URL": os.environ.get(ENV_DATABASE_URL)
        or f"sqlite:///{instance_path / 'showfloor.db'}",
        "MESSAGE_QUEUE_URL": os.environ.get(ENV_REDIS_URL) or None,
        # Installations sharing one Redis must not hear each other's rooms.
        "MESSAGE_QUEUE_CHANNEL": os.environ.get(ENV_REDIS_CHANNEL) or "showfloor",
        # A reader that stops answering pings (a dead Wi-Fi link sends no FIN)
        # is dropped after interval + timeout seconds.
        "PING_INTERVAL": float(os.environ.get(ENV_PING_INTERVAL) or 20),
        "PING_TIMEOUT": float(os.environ.get(ENV_PING_TIMEOUT) or 20),
        "SECRET_KEY": os.environ.get(ENV_SECRET_KEY) or _instance_secret(instance_path),
        # gevent holds thousands of sockets at half threading's CPU per message
        # (see docs/operations.md); tests pass "threading" explicitly.
        "ASYNC_MODE": os.environ.get(ENV_ASYNC_MODE, "gevent"),
        "ALLOWED_ORIGINS": origins or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        # Photos may be larger, but only on the views that take one (blog/uploads.py).
        "MAX_UPLOAD_BYTES": int(os.environ.get(ENV_MAX_UPLOAD_BYTES) or 15 * 1024 * 1024),
        # Photo files; unset means media/ in the instance folder.
        "MEDIA_ROOT": os.environ.get(ENV_MEDIA_ROOT) or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "CHECK_SCHEMA": True,
        # Seconds between checks for scheduled entries and batches that are due.
        "SCHEDULER_INTERVAL": 5,
    }


def _instance_secret(instance_path: Path) -> str:
    """A secret generated once per installation and kept out of the repository."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
