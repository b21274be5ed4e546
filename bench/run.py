"""Run Showfloor's benchmark suite, or one part of it, and write a results JSON.

    .venv/bin/python bench/run.py all --quick
    .venv/bin/python bench/run.py fanout --readers 500,2000,5000 --entries 20
    .venv/bin/python bench/run.py scaleout --readers 20000 --procs 2,4
    .venv/bin/python bench/run.py pages | post | catchup

See docs/performance.md for what each figure means. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catchup  # noqa: E402
import fanout  # noqa: E402
import machine  # noqa: E402
import pages  # noqa: E402
import postlag  # noqa: E402
import report  # noqa: E402
from procs import BENCH, Workspace  # noqa: E402

PARTS = ("fanout", "scaleout", "pages", "post", "catchup")
QUICK = {"readers": [200], "entries": 5, "prefill": 60, "scale_readers": [400], "procs": [2]}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: which part, how big, where the services are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=(*PARTS, "all"))
    parser.add_argument("--quick", action="store_true", help="a small smoke run of the part")
    parser.add_argument("--readers", default="500,2000,5000", help="fan-out reader counts")
    parser.add_argument("--entries", type=int, default=20, help="entries posted per fan-out")
    parser.add_argument("--scale-readers", default="5000,20000", help="scale-out reader counts")
    parser.add_argument("--procs", default="2,4", help="scale-out process counts")
    parser.add_argument("--storm", type=int, default=None, help="readers in the reconnect storm")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each fan-out size")
    parser.add_argument("--prefill", type=int, default=1000, help="entries in the blog")
    parser.add_argument("--no-node", action="store_true", help="skip the Node.js reference")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a fresh file) or a PostgreSQL URL to create a scratch database on",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--wait-quiet", type=float, default=0, help="seconds to wait for load<1")
    parser.add_argument("--out", type=Path, default=None, help="results JSON path")
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy servers into this folder"
    )
    args = parser.parse_args(argv)
    args.readers = [int(n) for n in args.readers.split(",")]
    args.scale_readers = [int(n) for n in args.scale_readers.split(",")]
    args.procs = [int(n) for n in args.procs.split(",")]
    if args.quick:
        args.readers, args.entries, args.prefill = QUICK["readers"], QUICK["entries"], 60
        args.scale_readers, args.procs = QUICK["scale_readers"], QUICK["procs"]
    return args


class Run:
    """One invocation: the workspace, the seeded blog and the results collected so far."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.ws = Workspace(args.database, args.redis_url)
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.out = args.out or BENCH / "results" / f"{args.part}-{started}.json"
        self.results: dict = {
            "command": "bench/run.py " + " ".join(sys.argv[1:]),
            "started": started,
            "machine": machine.describe(),
            "database": "sqlite" if args.database == "sqlite" else "postgresql",
            "parts": {},
        }
        self.seed: dict = {}

    def add(self, part: str, row: dict) -> None:
        """Keep one measured row, labelled with the machine's load around it."""
        self.results["parts"].setdefault(part, []).append(row)
        self.save()

    def save(self) -> None:
        """Write the results so far (a crash keeps what was measured)."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.results, indent=1))


async def labelled(run: Run, coro) -> dict:
    """Await one measurement, noting the load average before and after it."""
    if run.args.wait_quiet:
        machine.wait_quiet(run.args.wait_quiet)
    window = machine.Window()
    row = await coro
    row.update(window.close())
    return row


async def run_fanout(run: Run) -> None:
    """Each reader count against Showfloor and the Node reference, in turn."""
    targets = ["showfloor"] if run.args.no_node else ["node", "showfloor"]
    for readers in run.args.readers:
        for rep in range(run.args.repeat):
            for target in targets:
                coro = fanout.fanout(run.ws, run.seed, readers, run.args.entries, target)
                row = await labelled(run, coro)
                row.update(target=target, repeat=rep)
                run.add("fanout", row)
                print(report.fanout_line(row), flush=True)


async def run_scaleout(run: Run) -> None:
    """Each reader count on each process count, sharing Redis."""
    for readers in run.args.scale_readers:
        for procs in run.args.procs:
            coro = fanout.scaleout(run.ws, run.seed, readers, run.args.entries, procs)
            row = await labelled(run, coro)
            run.add("scaleout", row)
            print(report.fanout_line(row), flush=True)


async def run_pages(run: Run) -> None:
    """Requests per second and p99 of the hub and the blog page, full and 304."""
    for row in await pages.pages(run.ws, run.seed, run.args.quick, lambda c: labelled(run, c)):
        run.add("pages", row)
        print(report.pages_line(row), flush=True)


async def run_post(run: Run) -> None:
    """Post-to-published for one reporter and for a burst of twenty."""
    for row in await postlag.postlag(run.ws, run.seed, run.args.quick, lambda c: labelled(run, c)):
        run.add("post", row)
        print(report.post_line(row), flush=True)


async def run_catchup(run: Run) -> None:
    """Reconnects after 0, 10 and 1,000 missed changes; a storm of 2,000 reconnects."""
    targets = ["showfloor"] if run.args.no_node else ["node", "showfloor"]
    wrap = lambda c: labelled(run, c)  # noqa: E731
    rows = await catchup.catchup(run.ws, run.seed, run.args.quick, targets, wrap, run.args.storm)
    for row in rows:
        run.add("catchup", row)
        print(report.catchup_line(row), flush=True)


RUNNERS = {
    "fanout": run_fanout,
    "scaleout": run_scaleout,
    "pages": run_pages,
    "post": run_post,
    "catchup": run_catchup,
}


async def main_async(args: argparse.Namespace) -> Path:
    """Seed once, run the chosen parts, print the tables."""
    run = Run(args)
    try:
        reporters = 20
        run.seed = run.ws.seed(reporters, args.prefill)
        run.results["seed"] = {k: v for k, v in run.seed.items() if k != "tokens"}
        for part in PARTS if args.part == "all" else (args.part,):
            print(f"== {part}", flush=True)
            await RUNNERS[part](run)
    finally:
        run.ws.close()
        run.save()
    print(report.tables(run.results))
    return run.out


def main() -> None:
    """Entry point."""
    args = parse_args(sys.argv[1:])
    for part in (fanout, pages, catchup, postlag):
        part.PROFILE_DIR = args.profile
    # The driver and reporters share the generator's core, leaving core 0 to the server.
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    out = asyncio.run(main_async(args))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
