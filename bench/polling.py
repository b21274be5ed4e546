"""Polling readers: origin requests per second behind nginx's cursor cache, against reader count.

Readers whose network blocks websockets poll the HTTP change cursor every 2-3 s (the
page's own interval and jitter, static/js/live.js). This runs N such readers as asyncio
HTTP clients against one Showfloor process behind nginx with the cache rule of
deploy/nginx.conf, while a reporter posts an entry every few seconds, and counts the
requests that reached the process (its own /metrics: answers from its page cache too).
With --direct the same readers also go straight to the process, for comparison.

    .venv/bin/python bench/polling.py --readers 500,2000 --duration 30

Needs nginx on the PATH (Debian: apt-get install nginx). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402
import seed as seeding  # noqa: E402
from httpc import Connection  # noqa: E402
from procs import BENCH, Workspace, cpu_seconds, free_port  # noqa: E402

SERVER_CORE = "0"
POLL_S, JITTER_S = 2.0, 1.0  # as static/js/live.js: every 2-3 s
POST_EVERY_S = 5.0
WARMUP_S = 4.0
# The cursor's cache rule, as in deploy/nginx.conf (the TLS and other locations left out).
NGINX_CONF = """
worker_processes 1;
worker_rlimit_nofile 20000;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 16000; }}
http {{
    client_body_temp_path {dir}/client_temp;
    proxy_temp_path {dir}/proxy_temp;
    fastcgi_temp_path {dir}/fastcgi_temp;
    uwsgi_temp_path {dir}/uwsgi_temp;
    scgi_temp_path {dir}/scgi_temp;
    log_format origin '$upstream_cache_status $status $request_time $upstream_response_time';
    access_log {dir}/nginx-access.log origin buffer=64k flush=1s;
    proxy_cache_path {dir}/cursor-cache levels=1:2 keys_zone=showfloor_cursor:10m
                     max_size=256m inactive=60s use_temp_path=off;
    upstream showfloor {{ server 127.0.0.1:{origin}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        keepalive_requests 100000;
        location ~ ^/api/v1/(blogs|events)/[0-9]+/changes$ {{
            proxy_pass http://showfloor;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_cache showfloor_cursor;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_valid 200 1s;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 2s;
            proxy_cache_use_stale updating error timeout http_502;
            proxy_cache_background_update on;
            proxy_cache_revalidate on;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of one origin, with its own prefix, config and access log."""

    def __init__(self, folder: Path, origin_port: int):
        self.dir = folder / "nginx"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = NGINX_CONF.format(dir=self.dir, origin=origin_port, port=self.port)
        # Started as root, nginx's workers would be "nobody", who cannot write the
        # bench's private folder: they stay root, on loopback, for the run.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(user + conf)
        argv = ["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")]
        self.proc = subprocess.Popen([*argv, "-g", "daemon off;"])
        _wait_for_port(self.port)

    def stop(self) -> None:
        """Stop nginx (its own process id) and wait for it."""
        self.proc.terminate()
        self.proc.wait(10)


def _wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def spread(values: list[float]) -> dict:
    """p50, p99 and max of a sample (nearest rank), or Nones for an empty one."""
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    rank = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "p50": rank(0.50), "p99": rank(0.99), "max": ordered[-1]}


async def post_entry(conn: Connection, token: str, blog_id: int, n: int) -> tuple[int, float]:
    """Post entry n as a reporter; its id and when the 201 came back."""
    body = {"kind": "text", "source": seeding.entry_source(n), "idempotency_key": uuid.uuid4().hex}
    headers = {"Authorization": f"Bearer {token}"}
    reply = await conn.request("POST", f"/api/v1/blogs/{blog_id}/entries", body, headers)
    if reply.status != 201:
        raise RuntimeError(f"post answered {reply.status}: {reply.body[:300]!r}")
    return reply.json()["id"], time.monotonic()


class PollingReader:
    """One reader polling the cursor with the page's interval, jitter and ETag revalidation."""

    def __init__(self, base_url: str, blog_id: int, seq: int, seen: dict):
        self.conn = Connection(base_url)
        self.path = f"/api/v1/blogs/{blog_id}/changes?since="
        self.seq, self.etag, self.seen = seq, None, seen
        self.latencies: list[float] = []
        self.requests = self.errors = 0

    async def run(self, until: float) -> None:
        """Poll until the deadline, first after a random part of one interval."""
        await asyncio.sleep(random.random() * (POLL_S + JITTER_S))
        while time.monotonic() < until:
            more = await self.poll()
            if not more:
                await asyncio.sleep(POLL_S + random.random() * JITTER_S)
        await self.conn.close()

    async def poll(self) -> bool:
        """One request; apply what came; True when the cursor says there is more."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        started = time.monotonic()
        try:
            reply = await self.conn.request("GET", f"{self.path}{self.seq}", headers=headers)
        except (OSError, asyncio.IncompleteReadError):
            self.errors += 1
            await self.conn.close()
            return False
        self.latencies.append(time.monotonic() - started)
        self.requests += 1
        if reply.status == 304:
            return False
        if reply.status != 200:
            self.errors += 1
            return False
        body = reply.json()
        for change in body["changes"]:
            if change["seq"] == self.seq + 1:
                self.seq = change["seq"]
                self.seen.setdefault(change.get("entry_id"), []).append(time.monotonic())
        self.etag = reply.headers.get("etag")
        return body["more"]


async def measure(url: str, origin_url: str, seed: dict, readers_n: int, duration: float, count):
    """N readers for a warm-up plus duration seconds; request rates in the measured window."""
    seen: dict = {}
    until = time.monotonic() + WARMUP_S + duration
    readers = [
        PollingReader(url, seed["blog_id"], seed["last_seq"], seen) for _ in range(readers_n)
    ]
    reporter = Connection(origin_url)
    posted: dict[int, float] = {}

    async def report() -> None:
        n = 10_000
        while time.monotonic() < until - POST_EVERY_S:
            entry_id, answered = await post_entry(reporter, seed["tokens"][0], seed["blog_id"], n)
            posted[entry_id] = answered
            n += 1
            await asyncio.sleep(POST_EVERY_S)
        await reporter.close()

    async def window() -> dict:
        await asyncio.sleep(WARMUP_S)
        before = count(), sum(r.requests for r in readers), time.monotonic()
        await asyncio.sleep(duration)
        after = count(), sum(r.requests for r in readers), time.monotonic()
        return {
            "origin": after[0] - before[0],
            "client": after[1] - before[1],
            "s": after[2] - before[2],
        }

    tasks = [asyncio.create_task(r.run(until)) for r in readers]
    counted, _ = await asyncio.gather(window(), report())
    await asyncio.gather(*tasks)
    lags = [t - posted[e] for e, times in seen.items() if e in posted for t in times]
    return {
        "readers": readers_n,
        "client_requests_per_s": counted["client"] / counted["s"],
        "origin_requests_per_s": counted["origin"] / counted["s"],
        "poll_latency_ms": {
            k: v * 1e3 if isinstance(v, float) else v
            for k, v in spread([x for r in readers for x in r.latencies]).items()
        },
        "entry_seen_after_post_s": spread(lags),
        "entries_posted": len(posted),
        "entries_seen_by_every_reader": sum(len(seen.get(e, [])) == readers_n for e in posted),
        "errors": sum(r.errors for r in readers),
    }


async def run_all(args: argparse.Namespace) -> dict:
    """Seed, start the origin (and nginx), measure each reader count in each mode."""
    ws = Workspace("sqlite", None)
    rows = []
    try:
        seed = ws.seed(1, 20)
        server = ws.showfloor("polling", SERVER_CORE)
        nginx = Nginx(ws.dir, server.port)
        # Counted by the process itself: nginx does not log its background refreshes.
        count = _metric_counter(server)
        modes = [("nginx", nginx.url, count)]
        if args.direct:
            modes.append(("direct", server.url, count))
        try:
            for readers_n in args.readers:
                for mode, url, count in modes:
                    seed["last_seq"] = server.get_json(f"/api/v1/blogs/{seed['blog_id']}")[
                        "last_seq"
                    ]
                    window = machine.Window()
                    cpu = cpu_seconds(server.pid)
                    row = await measure(url, server.url, seed, readers_n, args.duration, count)
                    row["origin_cpu_share"] = (cpu_seconds(server.pid) - cpu) / (
                        args.duration + WARMUP_S
                    )
                    row.update(mode=mode, **window.close())
                    rows.append(row)
                    print(line(row), flush=True)
        finally:
            nginx.stop()
    finally:
        ws.close()
    return {"rows": rows}


def _metric_counter(server):
    """Origin requests to the cursor as the process's own /metrics counts them."""

    def count() -> int:
        with urllib.request.urlopen(server.url + "/metrics") as reply:
            text = reply.read().decode()
        total = 0.0
        for row in text.splitlines():
            if (
                row.startswith("showfloor_request_duration_seconds_count{")
                and "api.get_changes" in row
            ):
                total += float(row.rsplit(" ", 1)[1])
        return int(total)

    return count


def line(row: dict) -> str:
    """One measured row as text."""
    lag, poll = row["entry_seen_after_post_s"], row["poll_latency_ms"]
    return (
        f"{row['mode']:>6} {row['readers']:>6} readers: "
        f"clients {row['client_requests_per_s']:7.1f} req/s, "
        f"origin {row['origin_requests_per_s']:6.1f} req/s, "
        f"origin CPU {row['origin_cpu_share']:.0%}, "
        f"poll p50/p99 {poll['p50']:.1f}/{poll['p99']:.1f} ms, "
        f"entry seen p50/p99 {lag['p50']:.2f}/{lag['p99']:.2f} s after its post, "
        f"{row['entries_seen_by_every_reader']}/{row['entries_posted']} entries reached all, "
        f"{row['errors']} errors"
    )


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", default="500,2000", help="polling reader counts")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per count")
    parser.add_argument("--direct", action="store_true", help="also poll the process directly")
    parser.add_argument("--out", type=Path, default=None, help="results JSON path")
    args = parser.parse_args()
    args.readers = [int(n) for n in args.readers.split(",")]
    if shutil.which("nginx") is None:
        sys.exit("bench/polling.py needs nginx on the PATH (Debian: apt-get install nginx).")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = {
        "command": "bench/polling.py " + " ".join(sys.argv[1:]),
        "started": started,
        "machine": machine.describe(),
        **asyncio.run(run_all(args)),
    }
    out = args.out or BENCH / "results" / f"polling-{started}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
