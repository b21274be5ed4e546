"""The websocket opening handshake (RFC 6455, 4.2), read straight from the WSGI environ.

gevent's server has already parsed the request; turning it back into bytes for
a second HTTP parser cost about a tenth of a reconnect's CPU. Here the headers
are checked where they are, and the 101 answer is written by hand.
"""

from __future__ import annotations

import base64
import hashlib

from wsproto.extensions import Extension

# RFC 6455, 1.3: appended to the client's key before hashing.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
VERSION = "13"


def _tokens(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


def is_upgrade(environ: dict) -> bool:
    """True when the request is a well-formed websocket opening handshake."""
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and environ.get("SERVER_PROTOCOL") == "HTTP/1.1"
        and "upgrade" in _tokens(environ.get("HTTP_CONNECTION", ""))
        and "websocket" in _tokens(environ.get("HTTP_UPGRADE", ""))
        and environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() == VERSION
        and bool(environ.get("HTTP_HOST"))
        and _is_key(key)
    )


def _is_key(key: str) -> bool:
    # A base64-encoded 16-byte nonce: 24 characters.
    try:
        return len(base64.b64decode(key.strip(), validate=True)) == 16
    except ValueError:
        return False


def accept_token(key: str) -> str:
    """Sec-WebSocket-Accept for the client's Sec-WebSocket-Key."""
    digest = hashlib.sha1(key.strip().encode("ascii") + ACCEPT_GUID).digest()  # noqa: S324 - the protocol's hash
    return base64.b64encode(digest).decode("ascii")


def agree_extension(environ: dict, extension: Extension) -> str | None:
    """The Sec-WebSocket-Extensions answer for the first offer of extension we accept, or None."""
    for offer in environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", "").split(","):
        name = offer.split(";", 1)[0].strip()
        if name != extension.name:
            continue
        accepted = extension.accept(offer.strip())
        if accepted is True or accepted == "":
            return extension.name
        if accepted:
            return f"{extension.name}; {accepted}"
    return None


def switching_protocols(environ: dict, extension: Extension) -> tuple[bytes, bool]:
    """The 101 answer to a valid handshake, and whether the extension was agreed."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_token(environ['HTTP_SEC_WEBSOCKET_KEY'])}",
    ]
    agreed = agree_extension(environ, extension)
    if agreed is not None:
        lines.append(f"Sec-WebSocket-Extensions: {agreed}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), agreed is not None
