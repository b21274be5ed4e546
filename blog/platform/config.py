"""Configuration from the environment: embedded defaults, production by variables."""

from __future__ import annotations

import ipaddress
import os
import re
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
ENV_LIMITS = "SHOWFLOOR_LIMITS"
ENV_TRUSTED_PROXIES = "SHOWFLOOR_TRUSTED_PROXIES"
ENV_API_TOKEN_DAYS = "SHOWFLOOR_API_TOKEN_DAYS"
ENV_PAGE_CACHE_WINDOW_S = "SHOWFLOOR_PAGE_CACHE_WINDOW_S"
ENV_MAX_SOCKETS_PER_ADDRESS = "SHOWFLOOR_MAX_SOCKETS_PER_ADDRESS"
ENV_HTTP_HEADER_TIMEOUT_S = "SHOWFLOOR_HTTP_HEADER_TIMEOUT_S"
ENV_DRAIN_S = "SHOWFLOOR_DRAIN_S"
ENV_RECONNECT_WINDOW_S = "SHOWFLOOR_RECONNECT_WINDOW_S"
ENV_PUBLIC_URL = "SHOWFLOOR_PUBLIC_URL"
ENV_METRICS_ALLOW = "SHOWFLOOR_METRICS_ALLOW"
ENV_METRICS_TOKEN = "SHOWFLOOR_METRICS_TOKEN"
ENV_WEBHOOKS_IN_SERVER = "SHOWFLOOR_WEBHOOKS_IN_SERVER"
ENV_WEBHOOK_TIMEOUT_S = "SHOWFLOOR_WEBHOOK_TIMEOUT_S"
ENV_WEBHOOK_ALLOW_HOSTS = "SHOWFLOOR_WEBHOOK_ALLOW_HOSTS"
ENV_WEBHOOK_KEEP_DAYS = "SHOWFLOOR_WEBHOOK_KEEP_DAYS"
ENV_WEBHOOK_POLL_S = "SHOWFLOOR_WEBHOOK_POLL_S"
ENV_EMBED_MASTODON_HOSTS = "SHOWFLOOR_EMBED_MASTODON_HOSTS"
ENV_PUBLISHER_NAME = "SHOWFLOOR_PUBLISHER_NAME"

# Mastodon servers whose posts a link card may play (docs/readers.md, "Link cards and players").
DEFAULT_MASTODON_HOSTS = (
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "fosstodon.org",
    "hachyderm.io",
    "infosec.exchange",
)
_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")

# Abuse limits as (requests, seconds) per fixed window, per client address
# (_ip) or account (_account); see docs/operations.md, "Abuse limits".
DEFAULT_LIMITS = {
    # Password guessing: ten tries per account per quarter hour; a press room
    # behind one NAT address signing in at nine still fits in a hundred.
    "login_account": (10, 900),
    "login_ip": (100, 900),
    # A keynote burst: twenty reporters behind one press-room address, each
    # posting every ten seconds, make 120 a minute. One reporter's outbox
    # coming back online flushes its queue at once, and retries on a 429.
    "post_account": (60, 60),
    "post_ip": (300, 60),
    # The composer asks for a preview 400 ms after typing stops, each one a
    # render in the worker; twice the post budget leaves room to type.
    "preview_account": (120, 60),
    "preview_ip": (600, 60),
    # A photographer's burst after a reveal; each photo costs about a second of CPU.
    "upload_account": (60, 600),
    "upload_ip": (200, 600),
    # A hall of readers behind one venue NAT address: after a restart 5,000
    # pages reconnect within seconds, and 2,000 per 10 s lets them all back
    # within about 25 s (refused ones retry with backoff and replay what they
    # missed), while one client cannot open more than 200 sockets a second.
    "connect_ip": (2000, 10),
    "connect_account": (60, 60),
    # Per connection: a page follows every 30 s, a desk reports typing a few
    # times a minute; past twice this the client is disconnected.
    "socket_event": (20, 10),
    # Changes one connection may have replayed to it: a reader back from a
    # dropped link needs a few dozen; past this it is told to catch up over
    # HTTP instead, so one socket cannot make the server resend history.
    "socket_replay": (1000, 60),
}


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
        # werkzeug's method for new password hashes (blog/platform/passwords.py).
        "PASSWORD_HASH_METHOD": "scrypt",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        # Photos may be larger, but only on the views that take one (blog/desk/uploads.py).
        "MAX_UPLOAD_BYTES": int(os.environ.get(ENV_MAX_UPLOAD_BYTES) or 15 * 1024 * 1024),
        # Photo files; unset means media/ in the instance folder.
        "MEDIA_ROOT": os.environ.get(ENV_MEDIA_ROOT) or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "CHECK_SCHEMA": True,
        # Seconds between checks for scheduled entries and batches that are due.
        "SCHEDULER_INTERVAL": 5,
        # Lifetime of a new API token unless its maker chooses another (1 to 366 days).
        "API_TOKEN_DAYS": int(os.environ.get(ENV_API_TOKEN_DAYS) or 90),
        "LIMITS": parse_limits(os.environ.get(ENV_LIMITS, "")),
        # Counted in Redis whenever the message queue uses one (None: the same URL).
        "LIMITS_REDIS_URL": None,
        "LIMITS_KEY_PREFIX": f"{os.environ.get(ENV_REDIS_CHANNEL) or 'showfloor'}:limits",
        # How many proxies of ours append to X-Forwarded-For (1 behind deploy/nginx.conf);
        # 0 believes only the peer address, since clients can write that header.
        "TRUSTED_PROXIES": int(os.environ.get(ENV_TRUSTED_PROXIES) or 0),
        # Largest Socket.IO message; our inbound events are a few dozen bytes.
        "SOCKET_MAX_MESSAGE_BYTES": 16 * 1024,
        # Open sockets per client address in this process: a hall of readers
        # behind one venue NAT address fits; one client's thousands do not.
        "MAX_SOCKETS_PER_ADDRESS": positive_int(ENV_MAX_SOCKETS_PER_ADDRESS, 2000),
        # Seconds a client has to send a request's line and headers (slowloris).
        "HTTP_HEADER_TIMEOUT_S": positive_float(ENV_HTTP_HEADER_TIMEOUT_S, 10.0),
        # After SIGTERM, the longest a process waits for its sockets and requests
        # to finish before it exits (blog/platform/drain.py); keep systemd's
        # TimeoutStopSec above it.
        "DRAIN_S": positive_float(ENV_DRAIN_S, 10.0),
        # Clients spread their reconnects uniformly over this many seconds, after
        # a drain's request and after a lost connection alike: 5,000 readers of
        # a process cost about 4 s of CPU to take back, not all in one second.
        "RECONNECT_WINDOW_S": positive_float(ENV_RECONNECT_WINDOW_S, 5.0),
        # How long an anonymous reader's hub or blog page may be answered from
        # memory (blog/platform/page_cache.py); 0 sends every request through Flask.
        "PAGE_CACHE_WINDOW_S": page_cache_window(os.environ.get(ENV_PAGE_CACHE_WINDOW_S, "")),
        "PRODUCTION": production,
        # The origin of every absolute URL we write (canonical, og:url, JSON-LD,
        # feeds, embed code): never the request's Host header, which anyone sets.
        "PUBLIC_URL": public_url(os.environ.get(ENV_PUBLIC_URL, ""), production),
        # Who may read /metrics: these addresses or networks, or this bearer token.
        "METRICS_ALLOW": networks(os.environ.get(ENV_METRICS_ALLOW) or "127.0.0.1,::1"),
        "METRICS_TOKEN": os.environ.get(ENV_METRICS_TOKEN) or None,
        # Who publishes the coverage, as structured data names it for search engines.
        "PUBLISHER_NAME": " ".join(os.environ.get(ENV_PUBLISHER_NAME, "").split()) or "Showfloor",
        # Each one is named in the Content Security Policy's frame-src.
        "EMBED_MASTODON_HOSTS": host_names(os.environ.get(ENV_EMBED_MASTODON_HOSTS)),
        **webhook_settings(production),
    }


def webhook_settings(production: bool) -> dict:
    """How webhooks are delivered: by the server process or not, time bound, test allowlist."""
    allow = os.environ.get(ENV_WEBHOOK_ALLOW_HOSTS, "")
    if allow.strip() and production:
        raise ValueError(
            f"{ENV_WEBHOOK_ALLOW_HOSTS} lets webhooks reach private addresses over plain "
            f"HTTP: it is for tests and development, never with {ENV_PRODUCTION}=1"
        )
    return {
        # A background task of each server process delivers webhooks unless this is 0
        # (then run `flask --app app webhooks work` as a process of its own).
        "WEBHOOKS_IN_SERVER": os.environ.get(ENV_WEBHOOKS_IN_SERVER, "1") != "0",
        # The longest one delivery may take, connect to last byte read.
        "WEBHOOK_TIMEOUT_S": positive_float(ENV_WEBHOOK_TIMEOUT_S, 10.0),
        # Private addresses or networks deliveries may reach anyway (tests, development);
        # with any set, http:// URLs are accepted too.
        "WEBHOOK_ALLOW_HOSTS": networks(allow, ENV_WEBHOOK_ALLOW_HOSTS),
        # Days a delivered delivery stays in the delivery log before it is pruned.
        "WEBHOOK_KEEP_DAYS": positive_int(ENV_WEBHOOK_KEEP_DAYS, 30),
        # Seconds between an idle process's looks for due deliveries (blog/webhooks/doorbell.py):
        # changes other processes committed, retries falling due.
        "WEBHOOK_POLL_S": positive_float(ENV_WEBHOOK_POLL_S, 1.0),
        # How names are resolved: (host, port) -> addresses; tests inject their own.
        "WEBHOOK_RESOLVER": None,
    }


def host_names(text: str | None) -> tuple[str, ...]:
    """Mastodon servers from a space- or comma-separated list: unset is the defaults, "none" none.

    A name that is not a plain host name is refused: it goes into a security header.
    """
    if text is None or not text.strip():
        return DEFAULT_MASTODON_HOSTS
    names = [n.lower() for n in re.split(r"[\s,]+", text.strip()) if n]
    if names == ["none"]:
        return ()
    bad = [n for n in names if not HOST_NAME.match(n)]
    if bad:
        raise ValueError(
            f"{ENV_EMBED_MASTODON_HOSTS}: {bad[0]!r} is not a host name like mastodon.social"
        )
    return tuple(dict.fromkeys(names))


def networks(text: str, variable: str = ENV_METRICS_ALLOW) -> list[str]:
    """Comma-separated addresses or networks (10.0.0.0/8), each checked."""
    found = [item.strip() for item in text.split(",") if item.strip()]
    for item in found:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ValueError(f"{variable}: {item!r} is not an address or network") from exc
    return found


def public_url(text: str, production: bool) -> str | None:
    """The configured public origin (scheme://host[:port]); None lets the embedded demo use Host."""
    text = text.strip().rstrip("/")
    if not text:
        if production:
            raise ValueError(
                f"{ENV_PUBLIC_URL} must be set when {ENV_PRODUCTION}=1, e.g. https://live.example.org"
            )
        return None
    scheme, _, host = text.partition("://")
    if scheme not in ("http", "https") or not host or "/" in host:
        raise ValueError(
            f"{ENV_PUBLIC_URL}: {text!r} is not an origin like https://live.example.org"
        )
    return text


def page_cache_window(text: str) -> float:
    """Seconds an anonymous page may be answered from memory: 1 unless set, 0 turns it off."""
    if not text.strip():
        return 1.0
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 60:
        raise ValueError(
            f"{ENV_PAGE_CACHE_WINDOW_S}: {text!r} is not a number of seconds from 0 to 60"
        )
    return seconds


def positive_int(variable: str, default: int) -> int:
    """A whole number above zero from the environment variable, or default when it is unset."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdecimal() or int(text) == 0:
        raise ValueError(f"{variable}: {text!r} is not a whole number above zero")
    return int(text)


def positive_float(variable: str, default: float) -> float:
    """A number of seconds above zero from the environment variable, or default when unset."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ValueError(f"{variable}: {text!r} is not a number of seconds above zero")
    return value


def parse_limits(text: str) -> dict[str, tuple[int, int]]:
    """The default limits with overrides such as "post_account=120/60,connect_ip=5000/10"."""
    limits = dict(DEFAULT_LIMITS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        count, _, seconds = value.partition("/")
        if name not in limits or not (count.isdecimal() and seconds.isdecimal()):
            raise ValueError(
                f"{ENV_LIMITS}: {item!r} is not name=count/seconds with a name among "
                + ", ".join(sorted(DEFAULT_LIMITS))
            )
        if int(seconds) == 0:
            raise ValueError(f"{ENV_LIMITS}: {item!r} needs a window of at least one second")
        limits[name] = (int(count), int(seconds))
    return limits


def _instance_secret(instance_path: Path) -> str:
    """A secret generated once per installation and kept out of the repository."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
