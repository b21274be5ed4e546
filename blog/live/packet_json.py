"""The JSON codec of Socket.IO and Engine.IO packets, with its encoder and decoder built once.

Both libraries encode a packet with `json.dumps(data, separators=(",", ":"))` and
decode with engine.io's `loads`, which bounds integers at 100 digits. Called with
arguments other than the defaults, the standard library builds a new encoder or
decoder for every call: four of them per reconnect (the open packet, the connect's
answer, the follow and its answer). This codec, given to the server through its
documented `json` option, keeps one of each and writes and reads exactly the same text.
"""

from __future__ import annotations

import json
from typing import Any

# Engine.IO's bound: a client's 4,000-digit number would cost the parser dearly.
MAX_INT_DIGITS = 100
COMPACT = (",", ":")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError("Integer is too large")
    return int(text)


_ENCODER = json.JSONEncoder(separators=COMPACT)
_DECODER = json.JSONDecoder(parse_int=_bounded_int)


class PacketJSON:
    """A `json` module for python-socketio and python-engineio: dumps and loads."""

    @staticmethod
    def dumps(data: Any, **options: Any) -> str:
        """Encode data; the packets' compact form uses the encoder built once."""
        if options.get("separators") == COMPACT and len(options) == 1:
            return _ENCODER.encode(data)
        return json.dumps(data, **options)

    @staticmethod
    def loads(text: str | bytes, **options: Any) -> Any:
        """Decode a client's packet, refusing integers over 100 digits as engine.io does."""
        if options or not isinstance(text, str):
            return json.loads(text, **{"parse_int": _bounded_int, **options})
        return _DECODER.decode(text)
