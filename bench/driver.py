"""The driver's side of a run: load-generator processes and reporters posting through the API.

A LoadGen is one bench/loadgen.py process (pinned to the generator's core) spoken to over
its stdin/stdout; Readers spreads a reader count over several of them. A Reporter posts
entries through the real JSON API with a bearer token and notes when each post was sent.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from httpc import Connection
from procs import BENCH, PYTHON, Service, pinned
from seed import entry_source

# One process holds at most this many readers: the per-process file limit is 20,000 here,
# and two processes also spread the generator's work when the server is not the bottleneck.
READERS_PER_PROCESS = 9000


class LoadGen:
    """One load-generator process and the JSON lines it answers with."""

    def __init__(self, ws_urls: list[str], blog_id: int, cores: str | None, pipelined: bool):
        self.argv = pinned(cores, [PYTHON, str(BENCH / "loadgen.py"), "--blog-id", str(blog_id)])
        for url in ws_urls:
            self.argv += ["--url", url]
        if pipelined:
            self.argv.append("--pipelined")
        self.proc: asyncio.subprocess.Process | None = None
        self.completions: asyncio.Queue = asyncio.Queue()
        self.replies: asyncio.Queue = asyncio.Queue()

    async def start(self) -> LoadGen:
        """Start the process and wait for its hello."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 28,
        )
        self._pump = asyncio.create_task(self._read())
        await self.replies.get()
        return self

    async def _read(self) -> None:
        while line := await self.proc.stdout.readline():
            message = json.loads(line)
            queue = self.completions if message["event"] == "complete" else self.replies
            queue.put_nowait(message)

    async def call(self, cmd: dict, timeout: float = 900) -> dict:
        """Send one command and wait for its answer."""
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def stop(self) -> None:
        """Ask the process to quit; kill it if it does not."""
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.stdin.write(b'{"cmd": "quit"}\n')
            await asyncio.wait_for(self.proc.wait(), 40)
        except (TimeoutError, ConnectionError):
            self.proc.kill()
            await self.proc.wait()


class Readers:
    """N readers of one blog spread over as many load generators as they need."""

    def __init__(self, servers: list[Service], blog_id: int, count: int, cores: str | None):
        procs = max(1, -(-count // READERS_PER_PROCESS))
        urls = [s.ws_url for s in servers]
        # Each server is spoken to as its own page speaks (Service.pipelined).
        pipelined = all(s.pipelined for s in servers)
        self.gens = [LoadGen(urls, blog_id, cores, pipelined) for _ in range(procs)]
        self.shares = [count // procs + (i < count % procs) for i in range(procs)]
        self.pids: list[int] = []

    async def start(self) -> Readers:
        """Start the generator processes."""
        await asyncio.gather(*(g.start() for g in self.gens))
        self.pids = [g.proc.pid for g in self.gens]
        return self

    async def connect(
        self, since: int, concurrency: int = 200, jitter_s: float = 0.0
    ) -> list[dict]:
        """Connect every reader with this since (each after a random part of jitter_s); wait."""
        per = max(1, concurrency // len(self.gens))
        cmds = [
            {
                "cmd": "connect",
                "readers": n,
                "since": since,
                "concurrency": per,
                "jitter_s": jitter_s,
            }
            for n in self.shares
        ]
        return await asyncio.gather(*(g.call(c) for g, c in zip(self.gens, cmds, strict=True)))

    async def all(self, cmd: dict) -> list[dict]:
        """Send one command to every generator."""
        return await asyncio.gather(*(g.call(cmd) for g in self.gens))

    async def wait_complete(self, entry_ids: set[int], timeout: float) -> bool:
        """Wait until every generator has said every reader has each of these entries."""
        waits = [self._wait_one(g, set(entry_ids)) for g in self.gens]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
            return True
        except TimeoutError:
            return False

    @staticmethod
    async def _wait_one(gen: LoadGen, pending: set[int]) -> None:
        while pending:
            pending.discard((await gen.completions.get())["entry_id"])

    def drain_completions(self) -> None:
        """Forget completions left from earlier steps."""
        for gen in self.gens:
            while not gen.completions.empty():
                gen.completions.get_nowait()

    async def stop(self) -> None:
        """Stop every generator process."""
        await asyncio.gather(*(g.stop() for g in self.gens))


class Reporter:
    """One reporter's API client: posts entries with its token, timestamps each send."""

    def __init__(self, base_url: str, token: str, blog_id: int):
        self.conn = Connection(base_url)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.path = f"/api/v1/blogs/{blog_id}/entries"

    async def post(self, n: int) -> tuple[int, float, float]:
        """Post entry n; return its id, when it was sent and when the 201 came back."""
        body = {"kind": "text", "source": entry_source(n), "idempotency_key": _key()}
        sent = time.monotonic()
        reply = await self.conn.request("POST", self.path, body, self.headers)
        answered = time.monotonic()
        if reply.status != 201:
            raise RuntimeError(f"post answered {reply.status}: {reply.body[:300]!r}")
        return reply.json()["id"], sent, answered

    async def close(self) -> None:
        """Close the keep-alive connection."""
        await self.conn.close()


def _key() -> str:
    return "bench-" + uuid.uuid4().hex


async def post_and_wait(
    reporters: list[Reporter], readers: Readers, n: int, timeout: float
) -> list[dict]:
    """Post one entry per reporter at the same instant; wait until every reader has them all."""
    readers.drain_completions()
    posted = await asyncio.gather(*(r.post(n + i) for i, r in enumerate(reporters)))
    ok = await readers.wait_complete({entry_id for entry_id, _, _ in posted}, timeout)
    return [
        {"entry_id": entry_id, "sent": sent, "answered": answered, "complete": ok}
        for entry_id, sent, answered in posted
    ]
