"""Fan-out: N readers follow one blog, a reporter posts M entries, every receipt is timed.

The same generator and reporter drive Showfloor and the Node.js reference, so each figure
has a ratio. Server CPU is read from /proc around the posts; memory is the RSS the
readers added. Scale-out runs the same on several Showfloor processes sharing Redis.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from driver import Readers, Reporter, post_and_wait
from loadgen import spread
from procs import Service, Workspace, cpu_seconds, rss_bytes, stop_profile

SERVER_CORE = "0"
GENERATOR_CORE = "1"
# Pause after the readers joined: the server's throttled reader count goes out
# (every 5 s at most) and connection garbage is collected before timing starts.
SETTLE_S = 6.0
GAP_S = 0.1
# Set by run.py --profile: sample the servers with py-spy while the entries go out.
PROFILE_DIR: Path | None = None


async def post_cost(server: Service, reporter: Reporter, entries: int) -> float:
    """Server CPU seconds one post costs with nobody reading: the write path alone."""
    await reporter.post(-1)  # warm-up: templates, caches, the first connection
    before = cpu_seconds(server.pid)
    for n in range(entries):
        await reporter.post(10_000 + n)
    return (cpu_seconds(server.pid) - before) / entries


def redis_cpu(redis_url: str | None) -> tuple[float, int]:
    """Redis's own CPU seconds so far and how many PUBLISH commands it has run."""
    if not redis_url:
        return 0.0, 0
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        cpu = client.info("cpu")
        publish = client.info("commandstats").get("cmdstat_publish", {}).get("calls", 0)
        return cpu["used_cpu_sys"] + cpu["used_cpu_user"], int(publish)
    finally:
        client.close()


async def measure(
    servers: list[Service],
    seed: dict,
    readers_n: int,
    entries: int,
    gen_cores: str | None,
    redis_url: str | None = None,
) -> dict:
    """Connect readers to the servers (round robin), post entries to the first, time it all."""
    blog_id, head = seed["blog_id"], servers[0]
    reporter = Reporter(head.url, seed["tokens"][0], blog_id)
    per_post = await post_cost(head, reporter, max(3, entries // 2))
    last_seq = head.get_json(f"/api/v1/blogs/{blog_id}")["last_seq"]
    rss_before = sum(rss_bytes(s.pid) for s in servers)
    readers = await Readers(servers, blog_id, readers_n, gen_cores).start()
    try:
        connected = await readers.connect(since=last_seq)
        await asyncio.sleep(SETTLE_S)
        rss_after = sum(rss_bytes(s.pid) for s in servers)
        redis_before = redis_cpu(redis_url)
        posts, cpu, wall = await _post_entries(servers, reporter, readers, entries, readers_n)
        redis_after = redis_cpu(redis_url)
        reports = await readers.all({"cmd": "report", "posts": posts})
    finally:
        await reporter.close()
        await readers.stop()
    result = _summarise(reports, connected, cpu, wall, per_post, entries)
    result["requested_readers"] = readers_n
    result["connect_errors"] = [e for c in connected for e in c["errors"]][:5]
    result["rss_per_reader_kib"] = (rss_after - rss_before) / max(1, result["readers"]) / 1024
    result["generator_pids"] = len(readers.pids)
    if redis_url:
        publishes = max(1, redis_after[1] - redis_before[1])
        result["redis_publishes"] = publishes
        result["redis_us_per_publish"] = (redis_after[0] - redis_before[0]) / publishes * 1e6
    return result


async def _post_entries(servers, reporter, readers, entries: int, readers_n: int):
    """Post entries one at a time, each after the last reached everyone; CPU around it all."""
    await readers.all({"cmd": "mark"})
    timeout = 30 + readers_n / 200
    profilers = [s.profile(PROFILE_DIR) for s in servers] if PROFILE_DIR else []
    cpu_before = sum(cpu_seconds(s.pid) for s in servers)
    start = time.monotonic()
    posts = {}
    for n in range(entries):
        (row,) = await post_and_wait([reporter], readers, n, timeout)
        posts[row["entry_id"]] = row["sent"]
        await asyncio.sleep(GAP_S)
    wall = time.monotonic() - start
    cpu = sum(cpu_seconds(s.pid) for s in servers) - cpu_before
    for profiler in profilers:
        stop_profile(profiler)
    return posts, cpu, wall


def _summarise(reports, connected, cpu: float, wall: float, per_post: float, entries: int):
    readers = sum(r["readers"] for r in reports)
    last_ms = _merge_entries(reports)
    receipts = sum(r["receipts"] for r in reports)
    deliveries = max(1, readers * entries)
    gen_cpu = sum(r["cpu_s"] for r in reports)
    return {
        "readers": readers,
        "connect_failed": sum(c["failed"] for c in connected),
        "connect_s": max(c["wall_s"] for c in connected),
        "entries": entries,
        "last_reader_ms": spread(last_ms),
        "latency_ms": spread([v for r in reports for v in r["latencies_ms"]]),
        "receipts": receipts,
        "missed": sum(r["missed"] for r in reports),
        "duplicates": sum(r["duplicates"] for r in reports),
        "gaps": sum(r["gaps"] for r in reports),
        "dropped": sum(r["dropped"] for r in reports),
        "server_cpu_s": cpu,
        "server_cpu_share": cpu / wall if wall else None,
        "server_us_per_delivery": cpu / deliveries * 1e6,
        "server_post_ms": per_post * 1e3,
        "server_us_per_delivery_net": max(0.0, cpu - per_post * entries) / deliveries * 1e6,
        "generator_us_per_receipt": gen_cpu / max(1, receipts) * 1e6,
    }


def _merge_entries(reports) -> list[float]:
    """Per entry, the latest receipt over every generator (None-free)."""
    last: dict[int, float] = {}
    for report in reports:
        for row in report["entries"]:
            if row["last_ms"] is not None:
                last[row["entry_id"]] = max(last.get(row["entry_id"], 0.0), row["last_ms"])
    return list(last.values())


async def fanout(ws: Workspace, seed: dict, readers_n: int, entries: int, target: str) -> dict:
    """One fan-out run on a fresh server: Showfloor or the Node reference on one core."""
    if target == "node":
        server = ws.node(f"node-{readers_n}", SERVER_CORE)
    else:
        server = ws.showfloor(f"showfloor-{readers_n}", SERVER_CORE)
    try:
        return await measure([server], seed, readers_n, entries, GENERATOR_CORE)
    finally:
        server.stop()


async def scaleout(ws: Workspace, seed: dict, readers_n: int, entries: int, procs: int) -> dict:
    """The fan-out over several Showfloor processes sharing Redis, spread over the cores.

    With two cores the generator cannot have one to itself: it floats, and the
    servers take the cores in turn.
    """
    servers = []
    try:
        for n in range(procs):
            servers.append(ws.showfloor(f"scale{procs}-{n}-{readers_n}", str(n % 2), redis=True))
        result = await measure(servers, seed, readers_n, entries, "0,1", ws.redis_url)
        result["processes"] = procs
        return result
    finally:
        for server in servers:
            server.stop()
