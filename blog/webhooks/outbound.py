"""One webhook request: to a checked address, bounded in time and size, no redirects followed.

Standard library only (no HTTP client is among the dependencies). Under the
server, gevent has patched sockets, ssl and DNS, so this yields to the event
loop while it waits; in `flask webhooks work` it is a plain blocking call.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from blog.platform.errors import Invalid
from blog.webhooks import guard

# The answer is read only this far: a receiver's page is not our business.
MAX_ANSWER_BYTES = 16 * 1024
USER_AGENT = "Showfloor-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """How a request went: the status (None if there was no answer), time and the error."""

    status: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer: the receiver has the delivery."""
        return self.status is not None and 200 <= self.status < 300


class PinnedConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the URL's host for SNI, certificate and Host."""

    def __init__(self, target: guard.Target, address: str, timeout: float, tls: bool):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address, self.tls = address, tls

    def connect(self) -> None:
        """Open the socket to the pinned address, never to a second lookup of the name."""
        raw = socket.create_connection((self.address, self.port), self.timeout)
        if not self.tls:
            self.sock = raw
            return
        try:
            self.sock = tls_context().wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()  # a failed handshake: the plain socket is not the connection's to close
            raise


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA store costs milliseconds of CPU."""
    return ssl.create_default_context()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST body to url and say how it went; never raises for network trouble."""
    started = time.monotonic()
    allowed = guard.allowlist()
    try:
        target = guard.check_url(url, allowed)
        address = guard.resolve(target.host, target.port, allowed)
        status = _send(target, str(address), body, headers, timeout)
    except guard.Refused as exc:
        return Answer(None, _ms(started), f"refused: {exc}")
    except Invalid as exc:
        return Answer(None, _ms(started), f"refused: {exc.message}")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Answer(None, _ms(started), _describe(exc, started, timeout))
    if 300 <= status < 400:
        return Answer(status, _ms(started), "redirects are not followed; give the final URL")
    return Answer(status, _ms(started))


def _send(target: guard.Target, address: str, body: bytes, headers: dict, timeout: float) -> int:
    conn = PinnedConnection(target, address, timeout, tls=target.scheme == "https")
    # Each socket operation has its own timeout; this bounds the whole exchange,
    # so a receiver trickling one byte at a time cannot hold a worker.
    deadline = threading.Timer(timeout, _cut, (conn,))
    deadline.start()
    try:
        conn.request("POST", target.path, body, {**headers, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        response.read(MAX_ANSWER_BYTES)
        return response.status
    finally:
        deadline.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection) -> None:
    """Shut the connection's socket down: a blocked read returns at once."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing to cut
            sock.shutdown(socket.SHUT_RDWR)


def _describe(exc: Exception, started: float, timeout: float) -> str:
    if time.monotonic() - started >= timeout or isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the receiver running?)"
    return f"{type(exc).__name__}: {exc}"[:300]


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
