"""What the benchmark ran on, and how busy the machine was with other work while it ran.

A figure measured while something else used the cores is not a clean figure: every
measurement is labelled with the load average before it and with the CPU time that
processes other than the benchmark's own took during it.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path

QUIET_LOAD = 1.0
# Other processes may use at most this share of the machine during a "quiet" figure.
QUIET_FOREIGN_SHARE = 0.05
PACKAGES = (
    "flask",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "simple-websocket",
    "gevent",
    "sqlalchemy",
    "psycopg",
    "redis",
    "picows",
    "uvloop",
)
NODE_DIR = Path(__file__).resolve().parent / "node"


def describe() -> dict:
    """Cores, CPU model, memory, kernel, and the versions of everything measured."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        # Each websocket costs a gevent server two descriptors (simple-websocket dups
        # the socket), so this caps the readers one server process can hold.
        "open_files_hard_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "node": _output(["node", "--version"]),
        "socket.io": _node_package_version("socket.io"),
        "wrk": _output(["wrk", "--version"]).split(" [")[0] if shutil.which("wrk") else None,
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else ""
    )


def _node_package_version(name: str) -> str | None:
    import json

    path = NODE_DIR / "node_modules" / name / "package.json"
    return json.loads(path.read_text())["version"] if path.exists() else None


def wait_quiet(timeout: float) -> float:
    """Wait (up to timeout seconds) for the 1-minute load average to fall below 1.0."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= QUIET_LOAD and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds of this process, of every child it has waited for, and of live descendants.

    A server still running when a measurement ends is ours too: counting the live
    ones at both ends, and the reaped ones through RUSAGE_CHILDREN, counts each once.
    """
    total = sum(_live_descendant_seconds().values())
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _live_descendant_seconds() -> dict[int, float]:
    """CPU seconds of each live process descended from this one (from /proc)."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended while we looked
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    ours, me = {}, os.getpid()
    for pid in cpu:
        ancestor = parents.get(pid)
        while ancestor and ancestor != me:
            ancestor = parents.get(ancestor)
        if ancestor == me:
            ours[pid] = cpu[pid]
    return ours


class Window:
    """Measures how much CPU processes other than ours used between start and stop."""

    def __init__(self):
        self.load_before = os.getloadavg()[0]
        self.busy = busy_seconds()
        self.own = own_seconds()
        self.wall = time.monotonic()

    def close(self) -> dict:
        """The load and foreign CPU share of the window (all our children must be reaped)."""
        wall = time.monotonic() - self.wall
        foreign = (busy_seconds() - self.busy) - (own_seconds() - self.own)
        share = max(0.0, foreign) / (wall * (os.cpu_count() or 1)) if wall else 0.0
        return {
            "load_before": round(self.load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
            "foreign_cpu_share": round(share, 3),
            "quiet": self.load_before < QUIET_LOAD and share < QUIET_FOREIGN_SHARE,
            "seconds": round(wall, 1),
        }
