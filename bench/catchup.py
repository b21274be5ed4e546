"""Catch-up: what one reconnect costs after missing 0, 10 or 1,000 changes, and a storm.

A reader opens a new socket and follows with an old `since`; it is caught up when it holds
every change up to the seq the follow's ack names. Showfloor's cost is also counted in SQL
statements (bench/serve.py's counter) and, for the storm of readers reconnecting at once,
in server CPU per reconnect. The storm's other half is measured too: as many readers
dropping at once (a venue's Wi-Fi going), in server CPU per disconnect.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from driver import Readers, Reporter
from loadgen import spread
from procs import Service, Workspace, cpu_seconds, cpu_times, stop_profile

SERVER_CORE = "0"
GENERATOR_CORE = "1"
MISSED = (0, 10, 1000)
# The reconnect window Showfloor announces by default (SHOWFLOOR_RECONNECT_WINDOW_S): the
# page spreads its reconnect over it with full jitter, so a real storm arrives this way.
RECONNECT_WINDOW_S = 5.0
# Let a closed socket's disconnect handler finish before the next count is read.
SETTLE_S = 0.3
# A server that used less CPU than IDLE_CPU_S in a SETTLE_POLL_S window has handled
# every close it was sent (an idle server uses about a hundredth of that).
IDLE_CPU_S = 0.01
SETTLE_POLL_S = 0.25
# Set by run.py --profile: sample the server with py-spy during the storm.
PROFILE_DIR: Path | None = None


async def catchup(
    ws: Workspace, seed: dict, quick: bool, targets: list[str], wrap, storm: int | None = None
) -> list:
    """Every case against each target, each target on a fresh server."""
    rows = []
    reps, default_storm = (2, 200) if quick else (10, 2000)
    storm = storm or default_storm
    for target in targets:
        server = ws.node("catchup-node", SERVER_CORE) if target == "node" else None
        server = server or ws.showfloor("catchup", SERVER_CORE)
        try:
            head = await _history(server, seed, target)
            for missed in MISSED:
                if missed <= head:
                    row = await wrap(_reconnects(server, seed, head, missed, reps))
                    rows.append({**row, "target": target})
            for jitter_s in (0.0, RECONNECT_WINDOW_S):
                row = await wrap(_storm(server, seed, head, min(10, head), storm, jitter_s))
                rows.append({**row, "target": target})
            row = await wrap(_head_checks(server, seed, head, default_storm * 2))
            rows.append({**row, "target": target})
            row = await wrap(_drops(server, seed, head, storm))
            rows.append({**row, "target": target})
        finally:
            server.stop()
    return rows


async def _history(server: Service, seed: dict, target: str) -> int:
    """The blog's head seq; the Node reference first gets as many changes as Showfloor has."""
    path = f"/api/v1/blogs/{seed['blog_id']}"
    if target == "node":
        reporter = Reporter(server.url, "bench", seed["blog_id"])
        for n in range(seed["last_seq"]):
            await reporter.post(n)
        await reporter.close()
    return server.get_json(path)["last_seq"]


def _queries(server: Service) -> int | None:
    """SQL statements the Showfloor server has sent so far (None for the reference)."""
    try:
        return server.get_json("/_bench/queries")["queries"]
    except OSError:
        return None


async def _reconnects(server: Service, seed: dict, head: int, missed: int, reps: int) -> dict:
    """Reconnect one reader reps times, each following from head - missed."""
    readers = await Readers([server], seed["blog_id"], 1, GENERATOR_CORE).start()
    follow, caught_up, queries = [], [], []
    try:
        for _ in range(reps):
            before = _queries(server)
            (reply,) = await readers.connect(since=head - missed)
            after = _queries(server)
            follow.append(reply["follow_ms"]["p50"])
            caught_up.append(reply["caught_up_ms"]["p50"])
            if before is not None:
                queries.append(after - before)
            await readers.all({"cmd": "close"})
            await asyncio.sleep(SETTLE_S)
    finally:
        await readers.stop()
    return {
        "case": f"missed {missed}",
        "reconnects": reps,
        "follow_ms": spread(follow),
        "caught_up_ms": spread([c for c in caught_up if c is not None]),
        "queries_per_reconnect": sum(queries) / len(queries) if queries else None,
        # The median ignores the release scheduler's tick (every 5 s, two statements)
        # when it happens to fall inside a reconnect's window.
        "queries_median": statistics.median(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
    }


async def _storm(
    server: Service, seed: dict, head: int, missed: int, count: int, jitter_s: float = 0.0
) -> dict:
    """count readers reconnect, each having missed `missed` changes.

    All at the same moment, or spread with full jitter over jitter_s seconds as the
    page does; each reader's times count from its own attempt.
    """
    readers = await Readers([server], seed["blog_id"], count, GENERATOR_CORE).start()
    try:
        # The step before may have closed thousands of sockets: their disconnects
        # are that step's work, not this storm's.
        await _settled_cpu(server.pid)
        before_q, before_cpu = _queries(server), cpu_times(server.pid)
        before_gc = _gc_totals(server)
        profiler = server.profile(PROFILE_DIR) if PROFILE_DIR else None
        replies = await readers.connect(since=head - missed, concurrency=count, jitter_s=jitter_s)
        user, system = (a - b for a, b in zip(cpu_times(server.pid), before_cpu, strict=True))
        gc = _gc_during(before_gc, _gc_totals(server))
        stop_profile(profiler)
        after_q = _queries(server)
    finally:
        await readers.stop()
    caught = [r["caught_up_ms"] for r in replies]
    return {
        "case": f"storm {count}" + (f" over {jitter_s:g} s" if jitter_s else ""),
        "reconnects": count,
        "failed": sum(r["failed"] for r in replies),
        "errors": [e for r in replies for e in r["errors"]][:5],
        "wall_s": max(r["wall_s"] for r in replies),
        "follow_ms": replies[0]["follow_ms"],
        "caught_up_ms": caught[0] if len(caught) == 1 else _merge(caught),
        # Each step's wait (from the open to the connect's answer, and so on).
        "phases_ms": {
            step: _merge([r["phases_ms"][step] for r in replies])
            for step in ("opened", "connect_answered", "follow_answered")
        },
        "server_ms_per_reconnect": (user + system) / count * 1e3,
        # The kernel's part: accepting, reading and writing sockets.
        "server_system_ms_per_reconnect": system / count * 1e3,
        "gc_ms_per_reconnect": sum(gc["seconds"]) / count * 1e3 if gc else None,
        # By generation (0, 1, 2): how many collections ran, and their seconds.
        "gc_collections": gc["collections"] if gc else None,
        "gc_seconds": gc["seconds"] if gc else None,
        "queries_per_reconnect": (after_q - before_q) / count if before_q is not None else None,
    }


async def _drops(server: Service, seed: dict, head: int, count: int) -> dict:
    """count readers follow, then all their connections end at once: the server's CPU for it."""
    readers = await Readers([server], seed["blog_id"], count, GENERATOR_CORE).start()
    try:
        replies = await readers.connect(since=head, concurrency=count)
        before = await _settled_cpu(server.pid)
    finally:
        # The generators exit: the kernel closes every reader's socket together.
        await readers.stop()
    after = await _settled_cpu(server.pid)
    return {
        "case": f"drop {count}",
        "reconnects": count,
        "failed": sum(r["failed"] for r in replies),
        "server_ms_per_disconnect": (after - before) / count * 1e3,
    }


async def _settled_cpu(pid: int) -> float:
    """The server's CPU seconds so far, read once it has gone idle."""
    last = cpu_seconds(pid)
    while True:
        started = time.monotonic()
        await asyncio.sleep(SETTLE_POLL_S)
        now = cpu_seconds(pid)
        if now - last < IDLE_CPU_S * (time.monotonic() - started) / SETTLE_POLL_S:
            return now
        last = now


def _gc_totals(server: Service) -> dict | None:
    """The Showfloor server's collections and their seconds so far (None for the reference)."""
    try:
        return server.get_json("/_bench/gc")
    except OSError:
        return None


def _gc_during(before: dict | None, after: dict | None) -> dict | None:
    """Collections and seconds by generation between two totals."""
    if before is None or after is None:
        return None
    return {
        key: [round(a - b, 4) for a, b in zip(after[key], before[key], strict=True)]
        for key in ("seconds", "collections")
    }


async def _head_checks(server: Service, seed: dict, head: int, count: int) -> dict:
    """count readers follow, then all send the page's 30 s head check at once: its cost."""
    readers = await Readers([server], seed["blog_id"], count, GENERATOR_CORE).start()
    try:
        await readers.connect(since=head)
        before_cpu = await _settled_cpu(server.pid)
        before_q = _queries(server)
        replies = await readers.all({"cmd": "refollow"})
        cpu = cpu_seconds(server.pid) - before_cpu
        after_q = _queries(server)
    finally:
        await readers.stop()
    return {
        "case": f"head checks {count}",
        "reconnects": count,
        "failed": sum(r["readers"] - r["ok"] for r in replies),
        "errors": [e for r in replies for e in r["errors"]][:5],
        "wall_s": max(r["wall_s"] for r in replies),
        "follow_ms": replies[0]["follow_ms"],
        "caught_up_ms": _merge([r["follow_ms"] for r in replies]),
        "server_ms_per_reconnect": cpu / count * 1e3,
        "queries_per_reconnect": (after_q - before_q) / count if before_q is not None else None,
    }


def _merge(spreads: list[dict]) -> dict:
    """Worst of several generators' spreads (a conservative merge)."""
    return {k: max(s[k] or 0 for s in spreads) for k in ("n", "p50", "p99", "max")}
