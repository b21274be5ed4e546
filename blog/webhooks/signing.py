"""Webhook signatures: HMAC-SHA256 over "timestamp.body", sent as Showfloor-Signature.

The header reads `t=<unix seconds>,v1=<hex>`, with a second `v1=` while a
rotated-out secret still signs (docs/api.md, "Webhooks"). The timestamp is
signed with the body so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Showfloor-Signature"
DELIVERY_HEADER = "Showfloor-Delivery"
# Receivers should refuse a signature older than this (the docs' examples do).
TOLERANCE_S = 300


def new_secret() -> str:
    """A fresh signing secret: 256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "timestamp.body" under the secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    """The Showfloor-Signature value: the timestamp and one v1 per secret in use."""
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_in_use]
    return ",".join(parts)


def verify(secret: str, value: str, body: bytes, now: int) -> bool:
    """Tell whether a Showfloor-Signature value is good for this body, secret and time."""
    fields = [item.partition("=") for item in value.split(",")]
    stamps = [v for k, _, v in fields if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdecimal():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, _, v in fields if k == "v1")
