"""Post-to-published: from a reporter sending POST to a following reader having the entry.

One reporter posting one entry at a time, then a keynote burst: twenty reporters, each
with their own token, posting at the same instant, round after round. The figure covers
the whole write path: token check, Markdown, sanitising, the database write and commit,
the change row, and the push.
"""

from __future__ import annotations

import asyncio

from driver import Readers, Reporter, post_and_wait
from loadgen import spread
from procs import Service, Workspace, stop_profile

SERVER_CORE = "0"
GENERATOR_CORE = "1"
WATCHERS = 10
GAP_S = 0.05
# Set by run.py --profile: sample the server with py-spy during the single reporter's series.
PROFILE_DIR = None


async def postlag(ws: Workspace, seed: dict, quick: bool, wrap) -> list[dict]:
    """A single reporter's series and the twenty-reporter burst, on one fresh server."""
    server = ws.showfloor("post", SERVER_CORE)
    try:
        profiler = server.profile(PROFILE_DIR) if PROFILE_DIR else None
        try:
            single = await wrap(_series(server, seed, 1, 20 if quick else 200))
        finally:
            stop_profile(profiler)
        burst = await wrap(_series(server, seed, 20, 3 if quick else 25))
    finally:
        server.stop()
    return [single, burst]


async def _series(server: Service, seed: dict, reporters_n: int, rounds: int) -> dict:
    blog_id = seed["blog_id"]
    reporters = [Reporter(server.url, t, blog_id) for t in seed["tokens"][:reporters_n]]
    readers = await Readers([server], blog_id, WATCHERS, GENERATOR_CORE).start()
    try:
        await asyncio.gather(*(r.post(-1 - i) for i, r in enumerate(reporters)))  # warm-up
        last_seq = server.get_json(f"/api/v1/blogs/{blog_id}")["last_seq"]
        await readers.connect(since=last_seq)
        await readers.all({"cmd": "mark"})
        rows = []
        for n in range(rounds):
            rows += await post_and_wait(reporters, readers, n * reporters_n, 30)
            await asyncio.sleep(GAP_S)
        posts = {row["entry_id"]: row["sent"] for row in rows}
        (report,) = await readers.all({"cmd": "report", "posts": posts})
    finally:
        await asyncio.gather(*(r.close() for r in reporters))
        await readers.stop()
    return {
        "reporters": reporters_n,
        "rounds": rounds,
        "watchers": WATCHERS,
        "posts": len(rows),
        "published_ms": spread([e["last_ms"] for e in report["entries"] if e["last_ms"]]),
        "answered_ms": spread([(r["answered"] - r["sent"]) * 1e3 for r in rows]),
        "missed": report["missed"],
    }
