"""Abuse limits: how many logins, posts, uploads, socket connects and events a client may make.

One fixed-window counter serves HTTP and sockets alike. Counts live in Redis
when the app has one (every process then sees the same count), else in this
process's memory. Limits are (count, seconds) pairs in app.config["LIMITS"]
(see blog/platform/config.py and docs/operations.md); the clock is app.config["CLOCK"]
when a test injects one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import socket
import threading
import time
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, request

from blog.platform.errors import ActionError

logger = logging.getLogger(__name__)

# After Redis fails, count in memory this long before trying it again, so a
# dead or hung Redis costs one short timeout now and then, never every post.
REDIS_RETRY_S = 5.0
REDIS_TIMEOUT_S = 0.5
# Memory counters of windows that ended are dropped at most this often.
SWEEP_EVERY_S = 60.0

# INCRBY and EXPIRE in one round trip; the expiry only collects the key, since
# the window's number is part of the key.
_INCR_SCRIPT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


# Not frozen: one is made for every socket event, and a frozen dataclass
# sets each field through object.__setattr__.
@dataclass(slots=True, kw_only=True)
class Tally:
    """One counted request: its window's count so far, the limit, seconds to the next window."""

    count: int
    limit: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        """True when this request is past the limit."""
        return self.count > self.limit


class MemoryCounter:
    """Fixed-window counts in this process's memory: the embedded default, and while Redis fails."""

    def __init__(self) -> None:
        # gevent patches threading.Lock; under the threading mode it is a real lock.
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}
        self._swept_at = 0.0

    def incr(self, key: str, ends_at: float, now: float, amount: int = 1) -> int:
        """Add amount to key's count in a window ending at ends_at; return the new count."""
        with self._lock:
            if now - self._swept_at >= SWEEP_EVERY_S or now < self._swept_at:
                self._sweep(now)
            count = self._counts.get(key, (0, ends_at))[0] + amount
            self._counts[key] = (count, ends_at)
            return count

    def _sweep(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        self._swept_at = now


class RedisCounter:
    """Fixed-window counts in Redis, shared by every process; memory while Redis fails."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self.prefix = prefix
        self._script = self.client.register_script(_INCR_SCRIPT)
        self._fallback = MemoryCounter()
        self._retry_at = 0.0

    def incr(self, key: str, ends_at: float, now: float, amount: int = 1) -> int:
        """Add amount to key's count in Redis, or in memory while Redis is failing."""
        if time.monotonic() >= self._retry_at:
            try:
                ttl = max(1, math.ceil(ends_at - now))
                return int(self._script(keys=[f"{self.prefix}:{key}"], args=[ttl, amount]))
            except redis.RedisError as exc:
                logger.warning("limits: Redis failed (%s); counting in memory for a while", exc)
                self._retry_at = time.monotonic() + REDIS_RETRY_S
        return self._fallback.incr(key, ends_at, now, amount)

    def close(self) -> None:
        """Close the connections to Redis."""
        self.client.close()


class Limiter:
    """Counts requests per limit name and subject (an address, an account, a socket)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        url = app.config.get("LIMITS_REDIS_URL") or app.config.get("MESSAGE_QUEUE_URL")
        prefix = app.config.get("LIMITS_KEY_PREFIX") or "showfloor:limits"
        self.shared = RedisCounter(url, prefix) if url else MemoryCounter()

    def count(self, name: str, subject: str, amount: int = 1) -> Tally:
        """Count amount (one request, or so many items) of subject against the limit called name."""
        limit, now, window, ends_at = self._window(name)
        count = self.shared.incr(f"{name}:{subject}:{window}", ends_at, now, amount)
        return _tally(count, limit, now, ends_at)

    def count_held(self, held: dict, name: str, amount: int = 1) -> Tally:
        """Count amount against the limit called name in held, a mapping its owner keeps.

        One socket's own counts live in its handshake environ and die with it:
        no key to build, no lock (its events run one at a time), nothing to sweep.
        """
        limit, now, window, ends_at = self._window(name)
        last = held.get(name)
        count = (last[1] if last is not None and last[0] == window else 0) + amount
        held[name] = (window, count)
        return _tally(count, limit, now, ends_at)

    def _window(self, name: str) -> tuple[int, float, int, float]:
        """The limit called name, the time, and the fixed window it falls in and when that ends."""
        limit, seconds = self.app.config["LIMITS"][name]
        now = self._now()
        window = int(now // seconds)
        return limit, now, window, (window + 1) * seconds

    def _now(self) -> float:
        clock = self.app.config.get("CLOCK")
        return clock().timestamp() if clock else time.time()

    def close(self) -> None:
        """Release the Redis connections, if any."""
        if isinstance(self.shared, RedisCounter):
            self.shared.close()


def _tally(count: int, limit: int, now: float, ends_at: float) -> Tally:
    return Tally(count=count, limit=limit, retry_after=max(1, math.ceil(ends_at - now)))


def client_ip(environ: dict, trusted_proxies: int) -> str:
    """The client's address: the peer, or behind N trusted proxies the Nth forwarded from the right.

    Only the entries our own proxies appended are believed: anything to their
    left was written by the client and may be forged.
    """
    address = environ.get("REMOTE_ADDR") or "unknown"
    if trusted_proxies > 0:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    return _network_of(address)


def _network_of(address: str) -> str:
    """An IPv4 address as is; an IPv6 one as its /64, which a single household or phone holds."""
    try:
        # The common case, in C: inet_pton takes only the four-decimal form,
        # which is also how ipaddress writes an IPv4 address back.
        socket.inet_pton(socket.AF_INET, address)
        return address
    except OSError:
        pass
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def account_key(email: str) -> str:
    """A login's account subject: the typed email, hashed so Redis holds no addresses."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def limiter() -> Limiter:
    """The current app's limiter."""
    return current_app.extensions["showfloor_limiter"]


def count_request(action: str, account: str | None = None) -> int:
    """Count a request of this client for action; return the seconds to wait past a limit, or 0."""
    ip = client_ip(request.environ, current_app.config["TRUSTED_PROXIES"])
    tallies = [limiter().count(f"{action}_ip", ip)]
    if account is not None:
        tallies.append(limiter().count(f"{action}_account", account))
    wait = max((t.retry_after for t in tallies if t.exceeded), default=0)
    if wait:
        # Read by the after-request hook: whichever handler renders the
        # refusal (JSON, the composer, the login form), it gets Retry-After.
        g.retry_after = wait
        logger.info("limits: %s refused for %s (account %s)", action, ip, account)
    return wait


class RateLimited(ActionError):
    """Too many requests of one kind from one address or account; nothing was done."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    def to_json(self) -> dict:
        """The error and how many seconds to wait."""
        return {"error": self.message, "retry_after": self.retry_after}


MESSAGES = {
    "login": "Too many sign-in attempts. Wait {wait} and try again.",
    "post": "Too many entries in a short time. This one was not posted: wait {wait}, then send it.",
    "preview": "Too many previews in a short time. Wait {wait}; the entry can still be posted.",
    "upload": "Too many photos in a short time. This one was not kept: wait {wait}, then send it.",
}


def check(action: str, user=None) -> None:
    """Count one post, preview or upload of this client and account; raise RateLimited if over."""
    wait = count_request(action, str(user.id) if user is not None else None)
    if wait:
        raise RateLimited(MESSAGES[action].format(wait=say_seconds(wait)), wait)


def login_refusal(email: str, known_device: bool = False) -> str | None:
    """Count a sign-in attempt for this address and typed email; say why it is refused, or None.

    From a device the account has logged in on before, only the address is
    counted: guesses made elsewhere never lock the owner out of their own devices.
    """
    wait = count_request("login", None if known_device else account_key(email))
    return MESSAGES["login"].format(wait=say_seconds(wait)) if wait else None


def say_seconds(seconds: int) -> str:
    """A wait in words: '40 seconds', '1 minute', '15 minutes'."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def _retry_after_header(response):
    if response.status_code == 429 and "retry_after" in g:
        response.headers["Retry-After"] = str(g.retry_after)
    return response


def init_app(app: Flask) -> None:
    """Make the app's limiter; refuse over-limit socket handshakes before they reach Socket.IO."""
    from blog.platform.extensions import socket_server
    from blog.platform.socket_limits import ConnectLimit, count_open_sockets

    app.extensions["showfloor_limiter"] = Limiter(app)
    app.extensions["showfloor_open_sockets"] = count_open_sockets(app, socket_server())
    app.after_request(_retry_after_header)
    # Flask's documented way to wrap the app in WSGI middleware; its types call wsgi_app a method.
    app.wsgi_app = ConnectLimit(app.wsgi_app, app)  # type: ignore[method-assign]
