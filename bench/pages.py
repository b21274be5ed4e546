"""Pages: requests per second and p99 of the hub and a blog page, rendered and revalidated (304).

wrk (Debian's package) drives the load from the other core when it is installed; without
it a small asyncio client does, which is slower and says so in the results.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path

from httpc import Connection
from loadgen import spread
from procs import Service, Workspace, cpu_seconds, pinned, stop_profile

SERVER_CORE = "0"
CLIENT_CORE = "1"
CONNECTIONS = 16
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
# Set by run.py --profile: sample the server with py-spy during each load.
PROFILE_DIR: Path | None = None


# Each page is loaded from a server that answers anonymous readers from memory (the
# default) and from one that sends every request through Flask (the cold path).
SERVED_BY = (("memory", {}), ("Flask", {"SHOWFLOOR_PAGE_CACHE_WINDOW_S": "0"}))


async def pages(ws: Workspace, seed: dict, quick: bool, wrap) -> list[dict]:
    """The hub and the blog page, each without and with If-None-Match, from memory and Flask."""
    rows = []
    for served_by, env in SERVED_BY:
        server = ws.showfloor(f"pages-{served_by.lower()}", SERVER_CORE, env=env)
        try:
            rows += await _server_pages(server, seed, quick, wrap, served_by)
        finally:
            server.stop()
    return rows


async def _server_pages(server: Service, seed: dict, quick: bool, wrap, served_by: str):
    duration = 3 if quick else 15
    slug = seed["event_slug"]
    rows = []
    for page, path in (("hub", f"/e/{slug}/"), ("blog", f"/e/{slug}/{seed['blog_slug']}/")):
        etag, size = await _probe(server, path, {})
        modes = [("full", {})]
        if etag:
            modes.append(("304", {"If-None-Match": etag}))
        for mode, headers in modes:
            status, _ = await _probe(server, path, headers, want="status")
            label = f"{page}-{mode}-{served_by.lower()}"
            profiler = server.profile(PROFILE_DIR / label) if PROFILE_DIR else None
            cpu = cpu_seconds(server.pid)
            row = await wrap(_load(server, path, headers, duration))
            cpu = cpu_seconds(server.pid) - cpu
            stop_profile(profiler)
            # CPU per request holds up on a busy machine where req/s does not:
            # 1,000 / (ms per request) is what one core of our own would serve.
            row["server_ms_per_request"] = cpu * 1e3 / max(1, row["requests"])
            row["per_core_estimate"] = 1e3 / max(1e-9, row["server_ms_per_request"])
            row.update(page=page, mode=mode, served_by=served_by, path=path, probe_status=status)
            row["bytes"] = size
            row["statuses"] = f"{status} (+{row.pop('bad', 0)} non-2xx/3xx)"
            rows.append(row)
    return rows


async def _probe(server: Service, path: str, headers: dict, want: str = "etag"):
    """One request: the page's ETag and size, or the status a conditional request gets."""
    conn = Connection(server.url)
    try:
        reply = await conn.request("GET", path, headers=headers)
    finally:
        await conn.close()
    if want == "status":
        return reply.status, len(reply.body)
    return reply.headers.get("etag"), len(reply.body)


async def _load(server: Service, path: str, headers: dict, duration: int) -> dict:
    if shutil.which("wrk"):
        return await _wrk(server.url + path, headers, duration)
    return await _asyncio_load(server, path, headers, duration)


async def _wrk(url: str, headers: dict, duration: int) -> dict:
    argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    proc = await asyncio.create_subprocess_exec(
        *pinned(CLIENT_CORE, [*argv, url]), stdout=asyncio.subprocess.PIPE
    )
    out = (await proc.communicate())[0].decode()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "tool": "wrk",
        "connections": CONNECTIONS,
        "requests": done,
        "requests_per_s": rps,
        "p50_ms": float(p50.group(1)) * UNITS[p50.group(2)],
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)],
        "bad": int(bad.group(1)) if bad else 0,
    }


async def _asyncio_load(server: Service, path: str, headers: dict, duration: int) -> dict:
    """Fallback load: CONNECTIONS keep-alive clients in this process for duration seconds."""
    stop = time.monotonic() + duration
    times: list[float] = []
    bad = 0

    async def client():
        nonlocal bad
        conn = Connection(server.url)
        while time.monotonic() < stop:
            start = time.monotonic()
            reply = await conn.request("GET", path, headers=headers)
            times.append((time.monotonic() - start) * 1e3)
            bad += reply.status >= 400
        await conn.close()

    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    lat = spread(times)
    return {
        "tool": "asyncio client (slower than wrk: figures are a floor)",
        "connections": CONNECTIONS,
        "requests": len(times),
        "requests_per_s": len(times) / duration,
        "p50_ms": lat["p50"],
        "p99_ms": lat["p99"],
        "bad": bad,
    }
