"""The packets' JSON codec writes and reads what engine.io's own does, and the server uses it."""

from __future__ import annotations

import json
import random

import pytest
from engineio import json as engineio_json
from engineio import packet as eio_packet

from blog.live.packet_guard import ShowfloorPacket
from blog.live.packet_json import PacketJSON
from blog.platform.extensions import socket_server

SEEDS = range(4)
TEXTS = ["seven", "née", "🎤 on stage", 'quote "this"', "\u2028", "</script>", ""]


def random_data(rng: random.Random, depth: int = 0):
    """Nested JSON data of every kind a packet can carry."""
    kinds = ["int", "float", "str", "bool", "none", "list", "dict"] if depth < 3 else ["int", "str"]
    kind = rng.choice(kinds)
    if kind == "list":
        return [random_data(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        return {rng.choice(TEXTS) + str(n): random_data(rng, depth + 1) for n in range(3)}
    return {
        "int": rng.randint(-(10**12), 10**12),
        "float": rng.random() * 1e6,
        "str": rng.choice(TEXTS),
        "bool": rng.random() < 0.5,
        "none": None,
    }[kind]


@pytest.mark.parametrize("seed", SEEDS)
def test_encoding_and_decoding_match_engineios_codec(seed):
    rng = random.Random(seed)
    for _ in range(300):
        data = random_data(rng)
        compact = PacketJSON.dumps(data, separators=(",", ":"))
        assert compact == engineio_json.dumps(data, separators=(",", ":"))
        assert PacketJSON.dumps(data) == json.dumps(data)  # other arguments: the stdlib's answer
        assert PacketJSON.loads(compact) == engineio_json.loads(compact) == data


def test_an_integer_over_a_hundred_digits_is_refused_as_engineio_refuses_it():
    for text in ("1" * 101, '["follow",{"since":' + "9" * 101 + "}]"):
        with pytest.raises(ValueError, match="too large"):
            engineio_json.loads(text)
        with pytest.raises(ValueError, match="too large"):
            PacketJSON.loads(text)
        with pytest.raises(ValueError, match="too large"):
            PacketJSON.loads(text.encode())
    assert PacketJSON.loads("1" * 100) == int("1" * 100)


def test_malformed_json_fails_as_it_does_for_engineio():
    for text in ("[", '{"a":}', "\ufeff[]", "[1,]", "NaN-"):
        with pytest.raises(ValueError):
            engineio_json.loads(text)
        with pytest.raises(ValueError):
            PacketJSON.loads(text)


def test_the_server_encodes_and_decodes_its_packets_with_it(app):
    assert socket_server().packet_class is ShowfloorPacket
    assert ShowfloorPacket.json is PacketJSON
    assert eio_packet.Packet.json is PacketJSON
    answer = ShowfloorPacket(3, data=[{"ok": True, "last_seq": 7}], id=1).encode()
    assert answer == '31[{"ok":true,"last_seq":7}]'
    opened = eio_packet.Packet(eio_packet.OPEN, {"sid": "abc", "upgrades": []}).encode()
    assert opened == '0{"sid":"abc","upgrades":[]}'
