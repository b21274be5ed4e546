"""Showfloor's Socket.IO packet class parses and encodes exactly as python-socketio's own.

It differs in two ways only: a packet that does not parse raises MalformedPacket,
and the search for binary data stops at the first bytes it finds.
"""

from __future__ import annotations

import json
import random

import pytest
from socketio import packet as sio_packet

from blog.live.packet_guard import MalformedPacket, ShowfloorPacket

SEEDS = range(6)
PIECES = ["0", "2", "3", "4", "5", "9", "/", "/admin", ",", "-", "1-", "12", "99999", "?x=1"]
JSON_BODIES = ['["follow",{"blog_id":1,"since":0}]', '{"sid":"a"}', "[", "]", '"x"', "{}", "[1,"]


def random_packet(rng: random.Random) -> str:
    """A string that may or may not be a packet: pieces of the format in random order."""
    parts = rng.choices(PIECES, k=rng.randint(0, 4)) + rng.choices(JSON_BODIES, k=rng.randint(0, 1))
    return "".join(parts)


def fields(packet) -> tuple:
    return (packet.packet_type, packet.namespace, packet.id, packet.data, packet.attachment_count)


@pytest.mark.parametrize("seed", SEEDS)
def test_decoding_agrees_with_python_socketio_and_names_every_failure(seed):
    rng = random.Random(seed)
    for _ in range(500):
        text = random_packet(rng)
        try:
            theirs = sio_packet.Packet(encoded_packet=text)
        except (ValueError, TypeError, IndexError):
            with pytest.raises(MalformedPacket):
                ShowfloorPacket(encoded_packet=text)
            continue
        assert fields(ShowfloorPacket(encoded_packet=text)) == fields(theirs), text


def random_data(rng: random.Random, depth: int = 0):
    kind = rng.choice(["int", "str", "bytes", "list", "dict", "none"] if depth < 3 else ["int"])
    if kind == "list":
        return [random_data(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        return {f"k{n}": random_data(rng, depth + 1) for n in range(rng.randint(0, 3))}
    return {"int": 7, "str": "seven", "bytes": b"\x07", "none": None}[kind]


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_is_found_where_python_socketio_finds_it_and_encodings_match(seed):
    rng = random.Random(seed)
    for _ in range(300):
        data = random_data(rng)
        assert ShowfloorPacket.data_is_binary(data) is sio_packet.Packet.data_is_binary(data)
        theirs = sio_packet.Packet(sio_packet.EVENT, data=["change", data], id=3)
        ours = ShowfloorPacket(sio_packet.EVENT, data=["change", data], id=3)
        assert ours.encode() == theirs.encode()


def test_an_ordinary_event_round_trips():
    event = ShowfloorPacket(sio_packet.EVENT, data=["follow", {"blog_id": 1, "since": 4}], id=12)
    encoded = event.encode()
    assert encoded == '212["follow",{"blog_id":1,"since":4}]'
    back = ShowfloorPacket(encoded_packet=encoded)
    assert fields(back) == (sio_packet.EVENT, None, 12, json.loads(encoded[3:]), 0)
