"""Instructions per reconnect, counted by callgrind: a figure a busy machine does not move.

On a shared machine the CPU time of the same reconnect storm moved by a third from run to run
(docs/performance.md, *Readers leaving*). valgrind's callgrind counts the instructions the server
runs instead: the same within about 1 % from run to run, whatever else the machine does, so a
change to the reconnect path can be judged by one run before it and one after. Under valgrind
the server runs some fifty times slower, so this counts a few hundred reconnects after a warm-up.

    apt-get install valgrind
    .venv/bin/python bench/instructions.py --reconnects 200 --concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
from pathlib import Path

from driver import Readers
from procs import BENCH, PYTHON, Service, Workspace

GENERATOR_CORE = "1"
WARM_UP = 50
# Starting Python and the app under valgrind takes tens of seconds.
START_TIMEOUT_S = 300
MISSED = 10


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reconnects", type=int, default=200, help="reconnects counted")
    parser.add_argument("--concurrency", type=int, default=1, help="reconnects at a time")
    return parser.parse_args()


async def measure(reconnects: int, concurrency: int) -> float:
    """Millions of instructions the server ran per reconnect, each following 10 changes back."""
    ws = Workspace("sqlite", None)
    server = None
    try:
        seed = ws.seed(20, 30)
        out = ws.dir / "callgrind.out"
        server = _server_under_callgrind(ws, out)
        since = server.get_json(f"/api/v1/blogs/{seed['blog_id']}")["last_seq"] - MISSED
        await _reconnect(server, seed["blog_id"], since, WARM_UP, concurrency)
        _instrument(server.pid, "on")
        await _reconnect(server, seed["blog_id"], since, reconnects, concurrency, counted=True)
        # The server writes its counts as it exits.
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(START_TIMEOUT_S)
        return _total_instructions(out) / reconnects / 1e6
    finally:
        if server is not None:
            server.stop()
        ws.close()


def _server_under_callgrind(ws: Workspace, out: Path) -> Service:
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    argv += [f"--callgrind-out-file={out}", PYTHON, str(BENCH / "serve.py")]
    # Webhook loops look for work on a timer: in a run this slow, their looks would be counted.
    env = {**ws.env(), "SHOWFLOOR_WEBHOOKS_IN_SERVER": "0"}
    server = Service("callgrind", argv, env, ws.dir, "0")
    server.env["SHOWFLOOR_PORT"] = str(server.port)
    return server.start(timeout=START_TIMEOUT_S)


async def _reconnect(
    server: Service, blog_id: int, since: int, count: int, concurrency: int, counted: bool = False
) -> None:
    """count readers connect and follow from since; counting stops before they close."""
    readers = await Readers([server], blog_id, count, GENERATOR_CORE).start()
    try:
        replies = await readers.connect(since=since, concurrency=concurrency)
        if counted:
            _instrument(server.pid, "off")
        failed = sum(r["failed"] for r in replies)
        if failed:
            raise RuntimeError(f"{failed} readers failed: {replies[0]['errors'][:3]}")
    finally:
        await readers.stop()


def _instrument(pid: int, state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(pid)], check=True, capture_output=True)


def _total_instructions(out: Path) -> int:
    match = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no totals in {out}")
    return int(match.group(1))


def main() -> None:
    """Entry point."""
    args = parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    per = asyncio.run(measure(args.reconnects, args.concurrency))
    print(
        f"{per:.3f} M instructions per reconnect "
        f"({args.reconnects} reconnects, {args.concurrency} at a time)"
    )


if __name__ == "__main__":
    main()
