"""A request's header fields, read by splitting lines instead of through the email package.

gevent's WSGI handler reads headers with `http.client.parse_headers`, which
hands them to the email package's feed parser: a parser for mail, with its
policies and defect tracking, that cost about a twentieth of a websocket
reconnect's instructions. HTTP/1.1's header block is simpler (RFC 9112, section 5): one
`name: value` field per line up to an empty line. This reads it that way and
offers the handful of methods gevent's handler calls. What the RFC lets a
server refuse, it refuses: a request with such a head gets gevent's 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

# The limits http.client applies: the longest line and the most fields in one head.
MAX_LINE_BYTES = 65536
MAX_FIELDS = 100
_END_OF_HEAD = (b"\r\n", b"\n", b"")
# A field name is a token (RFC 9110, section 5.1).
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters a field value may not hold (RFC 9110, section 5.5); tab is allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class RequestHeaders:
    """The fields of one request head, in the interface gevent's WSGI handler reads.

    `status` is empty for a head that parsed; otherwise it says what was wrong,
    and gevent answers the request with 400 Bad Request.
    """

    def __init__(self, fields: list[tuple[str, str]], status: str = "") -> None:
        self.fields = fields
        self.status = status
        # gevent's handler asks for some fields several times: each name's
        # first value, by its lower-case name, is found in one lookup.
        self._first: dict[str, str] = {}
        for field, value in reversed(fields):
            self._first[field.lower()] = value

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the first field called name (any case), or default."""
        return self._first.get(name.lower(), default)

    # gevent's handler calls get by its old name too.
    getheader = get

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __delitem__(self, name: str) -> None:
        """Remove every field called name; none is not an error (as in the email package)."""
        wanted = name.lower()
        self.fields = [(field, value) for field, value in self.fields if field.lower() != wanted]
        self._first.pop(wanted, None)

    @property
    def typeheader(self) -> str | None:
        """The Content-Type, as gevent's handler asks for it."""
        return self.get("content-type")

    @property
    def headers(self) -> Iterator[str]:
        """Each field as one `name: value` line, the form gevent builds its environ from."""
        for field, value in self.fields:
            yield f"{field}: {value}\r\n"


def read_headers(rfile: BinaryIO) -> RequestHeaders:
    """Read header lines from rfile up to the empty line that ends the head."""
    fields: list[tuple[str, str]] = []
    while True:
        line = rfile.readline(MAX_LINE_BYTES + 1)
        if len(line) > MAX_LINE_BYTES:
            return RequestHeaders([], "Line too long")
        if line in _END_OF_HEAD:
            return RequestHeaders(fields)
        if len(fields) == MAX_FIELDS:
            return RequestHeaders([], f"More than {MAX_FIELDS} header fields")
        field = _field(line.decode("iso-8859-1").rstrip("\r\n"))
        if field is None:
            return RequestHeaders([], f"Malformed header line: {line[:80]!r}")
        fields.append(field)


def _field(line: str) -> tuple[str, str] | None:
    """A `name: value` line split in two; None for a line a server must refuse.

    A line starting with white space continues the one before (obsolete line
    folding, RFC 9112 section 5.2): refused, as the RFC allows. So is white space
    before the colon, which the RFC requires refusing (section 5.1), and a
    control character such as a lone carriage return in a value.
    """
    name, colon, value = line.partition(":")
    if not colon or _NAME.fullmatch(name) is None or _CONTROL.search(value) is not None:
        return None
    return name, value.strip(" \t")
