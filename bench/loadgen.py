"""Load generator: thousands of raw Engine.IO/Socket.IO websocket readers in one asyncio process.

It speaks the same frames as static/js/live.js (open, ping/pong, `40`, a `follow`
with an ack) through picows, a Cython websocket client, and reads only the few
bytes it needs from each message (event name, seq, entry_id) instead of parsing
its JSON, so a receipt costs it far less CPU than a delivery costs the server.
With --pipelined it sends the follow right behind the `40`, as the page does;
without, it waits for the connect's answer, as socket.io's own server requires.

Run by bench/run.py and driven over stdin/stdout, one JSON object per line:

    stdin   {"cmd": "connect", "readers": 500, "since": 0, "concurrency": 200}
            {"cmd": "mark"}                      start counting CPU and receipts
            {"cmd": "report", "posts": {"<entry_id>": <monotonic post time>}}
            {"cmd": "refollow"}                  every reader sends its 30 s head check
            {"cmd": "close"}                     disconnect every reader
            {"cmd": "quit"}
    stdout  {"event": "connected", ...}, {"event": "complete", "entry_id": 7, "t": ...},
            {"event": "report", ...}, {"event": "closed"}

Times are time.monotonic() values, which every process on the machine shares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import resource
import sys
import time
from collections import defaultdict

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

# Only the head of a message is searched: the fields come first in both servers.
EVENT_RE = re.compile(rb'^42\["([a-z_]+)"')
SEQ_RE = re.compile(rb'"seq":\s*(\d+)')
ENTRY_RE = re.compile(rb'"entry_id":\s*(\d+)')
ACK_SEQ_RE = re.compile(rb'"last_seq":\s*(\d+)')
# The reader page's own ack id for its follow is arbitrary; 1 is ours.
FOLLOW_ACK = b"431"
RAISE_NOFILE_TO = 1 << 20
ACK_TIMEOUT_S = 120


class Reader(WSListener):
    """One anonymous reader: answers pings, follows one blog, records each change's seq."""

    def __init__(self, gen: Generator, since: int):
        self.gen = gen
        self.last_seq = since
        self.started = time.monotonic()
        self.followed_at: float | None = None
        # When the Engine.IO open and the Socket.IO connect answer came: a
        # reconnect's time, step by step.
        self.opened_at: float | None = None
        self.connected_at: float | None = None
        self.caught_up_at: float | None = None
        self.target_seq: int | None = None
        self.transport: WSTransport | None = None
        self.ready = asyncio.get_running_loop().create_future()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """Handle one websocket frame: Engine.IO control or a Socket.IO packet."""
        if frame.msg_type != WSMsgType.TEXT:
            return
        data = frame.get_payload_as_bytes()
        kind = data[:1]
        if kind == b"2":
            transport.send(WSMsgType.TEXT, b"3")
        elif data.startswith(b"42"):
            self._on_event(data)
        elif data.startswith(FOLLOW_ACK):
            self._on_ack(data)
        elif kind == b"0":
            self.opened_at = time.monotonic()
            transport.send(WSMsgType.TEXT, b"40")
            if self.gen.pipelined:
                transport.send(WSMsgType.TEXT, self.gen.follow_frame(self.last_seq))
        elif data.startswith(b"40"):
            self.connected_at = time.monotonic()
            if not self.gen.pipelined:
                transport.send(WSMsgType.TEXT, self.gen.follow_frame(self.last_seq))
        elif data.startswith(b"44"):
            self._fail(f"refused: {data[:200]!r}")

    def _on_event(self, data: bytes) -> None:
        now = time.monotonic()
        head = data[:160]
        match = EVENT_RE.match(head)
        if match is None or match.group(1) == b"readers_changed":
            self.gen.other_frames += 1
            return
        seq_match = SEQ_RE.search(head)
        if seq_match is None:
            self.gen.other_frames += 1
            return
        self._on_change(int(seq_match.group(1)), ENTRY_RE.search(data[:240]), now)

    def _on_change(self, seq: int, entry_match, now: float) -> None:
        gen = self.gen
        if seq <= self.last_seq:
            gen.duplicates += 1
            return
        if seq > self.last_seq + 1:
            gen.gaps += seq - self.last_seq - 1
        self.last_seq = seq
        if self.followed_at is None:
            gen.replayed += 1
        if entry_match is not None:
            gen.receive(int(entry_match.group(1)), now)
        self._check_caught_up(now)

    def _on_ack(self, data: bytes) -> None:
        match = ACK_SEQ_RE.search(data)
        if match is None or b'"ok":true' not in data.replace(b" ", b""):
            self._fail(f"follow refused: {data[:200]!r}")
            return
        self.followed_at = time.monotonic()
        self.target_seq = int(match.group(1))
        self._check_caught_up(self.followed_at)

    def _check_caught_up(self, now: float) -> None:
        done = self.target_seq is not None and self.last_seq >= self.target_seq
        if done and self.caught_up_at is None:
            self.caught_up_at = now
            if not self.ready.done():
                self.ready.set_result(True)

    def refollow(self) -> asyncio.Future:
        """Send the page's 30 s head check: follow again from the seq we hold."""
        self.started = time.monotonic()
        self.followed_at = self.caught_up_at = self.target_seq = None
        self.ready = asyncio.get_running_loop().create_future()
        self.transport.send(WSMsgType.TEXT, self.gen.follow_frame(self.last_seq))
        return self.ready

    def _fail(self, why: str) -> None:
        self.gen.errors.append(why)
        if not self.ready.done():
            self.ready.set_result(False)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        """Count a reader the server dropped (not one we closed ourselves)."""
        if self.gen.closing:
            if not self.ready.done():
                self.ready.set_result(False)
            return
        self.gen.dropped += 1
        self._fail("disconnected")


class Generator:
    """All readers of this process and what they received."""

    def __init__(self, urls: list[str], blog_id: int, pipelined: bool = False):
        self.urls = urls
        self.blog_id = blog_id
        self.pipelined = pipelined
        self.readers: list[Reader] = []
        self.transports: list[WSTransport] = []
        self.closing = False
        self.reset_counters()

    def reset_counters(self) -> None:
        """Forget receipts and counts, and start measuring this process's CPU anew."""
        self.receipts: dict[int, list[float]] = defaultdict(list)
        self.duplicates = self.gaps = self.dropped = self.other_frames = self.replayed = 0
        self.errors: list[str] = []
        self.cpu_mark = _cpu_seconds()
        self.wall_mark = time.monotonic()

    def follow_frame(self, since: int) -> bytes:
        """The follow packet, exactly as the reader page sends it."""
        args = json.dumps(["follow", {"blog_id": self.blog_id, "since": since}])
        return b"421" + args.replace(" ", "").encode()

    def receive(self, entry_id: int, now: float) -> None:
        """Record one receipt; announce an entry once every reader has it."""
        times = self.receipts[entry_id]
        times.append(now)
        if len(times) == len(self.readers):
            emit({"event": "complete", "entry_id": entry_id, "t": now})

    async def connect(
        self, count: int, since: int, concurrency: int, timeout: float, jitter_s: float = 0.0
    ) -> dict:
        """Open count more readers, at most concurrency handshakes at a time; wait for follows.

        With jitter_s, each reader first waits a random part of it, as the page's
        reconnect does over the window the server announces; its times count from
        when it starts.
        """
        start = time.monotonic()
        gate = asyncio.Semaphore(concurrency)
        first = len(self.readers)
        tasks = [self._open(first + i, since, gate, jitter_s) for i in range(count)]
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout)
        fresh = [r for r in self.readers[first:] if r.followed_at is not None]
        return {
            "event": "connected",
            "readers": len(self.readers),
            "new": count,
            "ok": sum(1 for ok in results if ok),
            "failed": sum(1 for ok in results if not ok),
            "wall_s": time.monotonic() - start,
            "follow_ms": spread([(r.followed_at - r.started) * 1e3 for r in fresh]),
            "caught_up_ms": spread(
                [(r.caught_up_at - r.started) * 1e3 for r in fresh if r.caught_up_at]
            ),
            "replayed": self.replayed,
            "errors": sorted(set(self.errors))[:5],
            "phases_ms": _phases(fresh),
        }

    async def _open(
        self, index: int, since: int, gate: asyncio.Semaphore, jitter_s: float = 0.0
    ) -> bool:
        url = self.urls[index % len(self.urls)]
        if jitter_s:
            await asyncio.sleep(random.uniform(0, jitter_s))
        async with gate:
            # Made here rather than taken from ws_connect's answer, which can lack the
            # listener when the server closes straight after the handshake.
            reader = Reader(self, since)
            try:
                transport, _ = await ws_connect(
                    lambda: reader,
                    url,
                    read_buffer_init_size=4096,
                    websocket_handshake_timeout=60,
                )
            except Exception as exc:  # a refused handshake is a result, not a crash
                self.errors.append(f"connect: {exc!r}")
                return False
            reader.transport = transport
            self.readers.append(reader)
            self.transports.append(transport)
            return await self._acked(reader)

    async def _acked(self, reader: Reader) -> bool:
        """Wait for the reader's follow ack; one that never comes is a failure, not a hang."""
        try:
            return await asyncio.wait_for(asyncio.shield(reader.ready), ACK_TIMEOUT_S)
        except TimeoutError:
            self.errors.append(f"no follow ack within {ACK_TIMEOUT_S} s")
            return False

    async def refollow(self, timeout: float) -> dict:
        """Every reader re-follows at once (the page's head check); wait for every ack."""
        start = time.monotonic()
        for reader in self.readers:
            reader.refollow()
        acks = [self._acked(r) for r in self.readers]
        results = await asyncio.wait_for(asyncio.gather(*acks), timeout)
        return {
            "event": "refollowed",
            "readers": len(self.readers),
            "ok": sum(1 for ok in results if ok),
            "errors": sorted(set(self.errors))[:5],
            "wall_s": time.monotonic() - start,
            "follow_ms": spread(
                [(r.followed_at - r.started) * 1e3 for r in self.readers if r.followed_at]
            ),
        }

    def report(self, posts: dict[int, float]) -> dict:
        """Latencies per posted entry and over every receipt, misses, and this process's CPU."""
        per_entry, all_ms = [], []
        for entry_id, posted in sorted(posts.items()):
            times = self.receipts.get(entry_id, [])
            lat = [(t - posted) * 1e3 for t in times]
            all_ms.extend(lat)
            per_entry.append(_entry_row(entry_id, lat, len(self.readers)))
        cpu = _cpu_seconds() - self.cpu_mark
        return {
            "event": "report",
            "readers": len(self.readers),
            "entries": per_entry,
            "receipts": len(all_ms),
            "latency_ms": spread(all_ms),
            # Raw, so the driver can merge several generators' percentiles exactly.
            "latencies_ms": [round(v, 3) for v in all_ms],
            "missed": sum(row["missed"] for row in per_entry),
            "duplicates": self.duplicates,
            "gaps": self.gaps,
            "dropped": self.dropped,
            "other_frames": self.other_frames,
            "cpu_s": cpu,
            "cpu_us_per_receipt": cpu / len(all_ms) * 1e6 if all_ms else None,
            "errors": self.errors[:5],
        }

    async def close(self) -> dict:
        """Disconnect every reader and wait, briefly, for the sockets to close."""
        self.closing = True
        for transport in self.transports:
            transport.disconnect()
        waits = [t.wait_disconnected() for t in self.transports]
        await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 30)
        self.readers, self.transports, self.closing = [], [], False
        return {"event": "closed"}


def _entry_row(entry_id: int, lat: list[float], readers: int) -> dict:
    return {
        "entry_id": entry_id,
        "received": len(lat),
        "missed": max(0, readers - len(lat)),
        "first_ms": min(lat) if lat else None,
        "last_ms": max(lat) if lat else None,
    }


def _phases(readers: list[Reader]) -> dict:
    """A reconnect step by step: the websocket's open, the connect's answer, the follow's ack."""
    steps = [r for r in readers if r.opened_at and r.connected_at and r.followed_at]
    return {
        "opened": spread([(r.opened_at - r.started) * 1e3 for r in steps]),
        "connect_answered": spread([(r.connected_at - r.opened_at) * 1e3 for r in steps]),
        "follow_answered": spread([(r.followed_at - r.connected_at) * 1e3 for r in steps]),
    }


def spread(values: list[float]) -> dict:
    """p50, p99 and max of a sample (nearest rank), or Nones for an empty one."""
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"n": len(ordered), "p50": rank(0.50), "p99": rank(0.99), "max": ordered[-1]}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(message: dict) -> None:
    """Write one JSON line for the driver."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _commands():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        yield json.loads(line)


async def serve(gen: Generator) -> None:
    """Obey the driver's commands until quit or end of input."""
    emit({"event": "hello"})
    async for cmd in _commands():
        name = cmd["cmd"]
        if name == "connect":
            args = (cmd["readers"], cmd.get("since", 0), cmd.get("concurrency", 200))
            jitter = cmd.get("jitter_s", 0.0)
            emit(await gen.connect(*args, timeout=cmd.get("timeout", 600), jitter_s=jitter))
        elif name == "mark":
            gen.reset_counters()
            emit({"event": "marked"})
        elif name == "report":
            emit(gen.report({int(k): v for k, v in cmd["posts"].items()}))
        elif name == "refollow":
            emit(await gen.refollow(cmd.get("timeout", 600)))
        elif name == "close":
            emit(await gen.close())
        elif name == "quit":
            break
    if gen.transports:
        await gen.close()


def _raise_fd_limit() -> None:
    """Allow as many sockets as the hard limit lets this process have."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, RAISE_NOFILE_TO), hard))


def main() -> None:
    """Parse arguments and run the command loop on the fastest event loop available."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True, help="ws:// URL; repeatable")
    parser.add_argument("--blog-id", type=int, required=True)
    parser.add_argument(
        "--pipelined",
        action="store_true",
        help="follow right behind the namespace connect, as Showfloor's page does "
        "(socket.io's own server closes a connection that does not wait for the answer)",
    )
    args = parser.parse_args()
    _raise_fd_limit()
    try:
        from uvloop import run  # cheaper per callback than asyncio's own loop
    except ImportError:
        run = asyncio.run
    run(serve(Generator(args.url, args.blog_id, args.pipelined)))


if __name__ == "__main__":
    main()
