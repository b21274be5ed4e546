"""What a webhook URL may name and where a delivery may connect: public addresses only.

A webhook is a server fetching a URL someone typed, so every address a name
resolves to is checked after resolution, and the connection then goes to a
checked address (never a second lookup a rebinding DNS server could answer
differently). Loopback, private, link-local (cloud metadata), shared, reserved
and multicast addresses are refused, also when an IPv6 address embeds one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from blog.platform.errors import Invalid

MAX_URL_CHARS = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """A delivery may not go to this URL or address; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL, split into what a connection needs."""

    scheme: str
    host: str
    port: int
    path: str


def check_url(url: object, allowed: Sequence[str] = ()) -> Target:
    """The URL's parts if it is an absolute https:// URL (http:// only with an allowlist).

    Raises Invalid (422) saying what is wrong; addresses are checked at send time.
    """
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_CHARS:
        raise _bad(f"Give the endpoint's full https:// URL (at most {MAX_URL_CHARS} characters).")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _bad(f"This URL does not parse: {exc}.") from exc
    schemes = ("https", "http") if allowed else ("https",)
    if parts.scheme not in schemes:
        raise _bad("The URL must start with https:// (deliveries carry signed data).")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise _bad("The URL needs a host name and no user name or password in it.")
    if parts.fragment:
        raise _bad("The URL may not carry a #fragment (it is never sent).")
    literal = _literal(parts.hostname)
    if literal is not None:
        check_address(literal, allowed)
    default = 443 if parts.scheme == "https" else 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or default, path)


def _bad(message: str) -> Invalid:
    return Invalid(message, {"url": "not a public https URL"})


def _literal(host: str) -> Address | None:
    """The address a host written as a number stands for (127.1 and 2130706433 too)."""
    try:
        found = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):  # a name, or no host at all
        return None
    return ipaddress.ip_address(str(found[0][4][0]).split("%")[0])


def check_address(address: Address, allowed: Sequence[str] = ()) -> None:
    """Refuse an address that is not public, unless the allowlist names it (tests)."""
    if any(address in ipaddress.ip_network(n, strict=False) for n in allowed):
        return
    for candidate in (address, *_embedded(address)):
        if not candidate.is_global or candidate.is_multicast:
            raise _refusal(address)


def _refusal(address: Address) -> Invalid:
    kind = (
        "loopback"
        if address.is_loopback
        else "link-local (cloud metadata)"
        if address.is_link_local
        else "private or reserved"
    )
    return Invalid(
        f"Webhooks go only to public addresses; {address} is {kind}.",
        {"url": "not a public address"},
    )


def _embedded(address: Address) -> list[Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[Address] = [a for a in (address.ipv4_mapped, address.sixtofour) if a]
    if address.teredo:
        found.extend(address.teredo)
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def resolve(host: str, port: int, allowed: Sequence[str] = ()) -> Address:
    """The address to connect to: every address the name has must be allowed; the first is used."""
    resolver = _resolver()
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    except (OSError, UnicodeError, ValueError) as exc:
        raise Refused(f"The name {host} does not resolve ({exc}).") from exc
    if not addresses:
        raise Refused(f"The name {host} has no address.")
    for address in addresses:
        try:
            check_address(address, allowed)
        except Invalid as exc:
            raise Refused(f"{host} resolves to {address}: {exc.message}") from exc
    return addresses[0]


def _resolver() -> Resolver:
    injected = current_app.config.get("WEBHOOK_RESOLVER") if has_app_context() else None
    return injected or system_resolver


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for host (gevent's own under the server)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


def allowlist() -> list[str]:
    """The configured test/development allowlist (SHOWFLOOR_WEBHOOK_ALLOW_HOSTS)."""
    if not has_app_context():
        return []
    return list(current_app.config.get("WEBHOOK_ALLOW_HOSTS") or [])
