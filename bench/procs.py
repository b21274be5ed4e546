"""Processes of a benchmark run: Showfloor servers, the Node reference, a fresh database.

Each server is pinned to its core with taskset and read through /proc for CPU time and
resident memory. Everything listens on 127.0.0.1 on a port the kernel just handed out,
and everything started here is stopped by its own process id.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
BENCH_LIMITS = ",".join(
    f"{name}=1000000/{seconds}"
    for name, seconds in (
        ("connect_ip", 10),
        ("connect_account", 60),
        ("post_ip", 60),
        ("post_account", 60),
        ("socket_event", 10),
    )
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cores: str | None, argv: list[str]) -> list[str]:
    """Prefix argv with taskset when cores are given (e.g. "0" or "0,1")."""
    if cores is None or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", cores, *argv]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (from /proc/<pid>/stat)."""
    return sum(cpu_times(pid))


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far, apart (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of a process now (from /proc/<pid>/statm)."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


def _raise_fd_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Service:
    """One server process on its own port: started, probed, measured, stopped."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path, cores: str | None):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/socket.io/?EIO=4&transport=websocket"
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.argv = pinned(cores, argv)
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        # Whether its clients send their first events right behind the namespace
        # connect, as Showfloor's page does; socket.io's own server closes a
        # connection that does not wait for the connect's answer.
        self.pipelined = True

    def start(self, timeout: float = 60) -> Service:
        """Start the process and wait until it answers /healthz."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                preexec_fn=_raise_fd_limit,
            )
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.1)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as reply:
                return reply.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    @property
    def pid(self) -> int:
        """The server's process id (taskset execs it, so the id is the server's own)."""
        return self.proc.pid

    def get_json(self, path: str):
        """GET a JSON document from the server."""
        with urllib.request.urlopen(self.url + path, timeout=30) as reply:
            return json.load(reply)

    def profile(self, folder: Path) -> subprocess.Popen | None:
        """Sample this server's Python stacks with py-spy (collapsed-stack text), not pausing it."""
        spy = Path(PYTHON).parent / "py-spy"
        if self.argv[-1].endswith(".js") or not (spy.exists() or shutil.which("py-spy")):
            return None  # Node is not a Python process; py-spy comes with the bench extra
        folder.mkdir(parents=True, exist_ok=True)
        argv = [str(spy) if spy.exists() else "py-spy", "record", "--pid", str(self.pid)]
        argv += ["--rate", "250", "--nonblocking", "--format", "raw"]
        argv += ["--output", str(folder / f"{self.name}.txt")]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the process wrote."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def stop_profile(profiler: subprocess.Popen | None) -> None:
    """Stop a py-spy recording; it writes its file on SIGINT."""
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(60)


class Workspace:
    """A temporary folder with the benchmark's database, logs and the servers' settings."""

    def __init__(self, database: str, redis_url: str | None):
        self.dir = Path(tempfile.mkdtemp(prefix="showfloor-bench-"))
        self.database = database
        self.redis_url = redis_url
        self.channel = f"showfloor-bench-{uuid.uuid4().hex[:10]}"
        self.pg_name: str | None = None
        self.database_url = self._make_database()
        self.services: list[Service] = []
        self.blog_ids: list[int] = []

    def _make_database(self) -> str:
        if self.database == "sqlite":
            return f"sqlite:///{self.dir / 'bench.db'}"
        # A database of our own on the local PostgreSQL, dropped at the end.
        import psycopg

        self.pg_name = f"showfloor_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.database, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.pg_name}")
        base = self.database.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{self.pg_name}"

    def env(self, redis: bool = False) -> dict:
        """Environment of a Showfloor process using this workspace."""
        env = {
            "SHOWFLOOR_DATABASE_URL": self.database_url,
            "SHOWFLOOR_SECRET_KEY": "bench-only-secret",
            "SHOWFLOOR_MEDIA_ROOT": str(self.dir / "media"),
            "SHOWFLOOR_ASYNC_MODE": "gevent",
            # The load generator is one address opening thousands of sockets and
            # posting flat out: at the abuse limits it would measure the limits.
            "SHOWFLOOR_LIMITS": BENCH_LIMITS,
            "SHOWFLOOR_MAX_SOCKETS_PER_ADDRESS": "1000000",
        }
        if redis and self.redis_url:
            env["SHOWFLOOR_REDIS_URL"] = self.redis_url
            env["SHOWFLOOR_REDIS_CHANNEL"] = self.channel
        return env

    def seed(self, reporters: int, prefill: int) -> dict:
        """Fill the database through Showfloor's actions (bench/seed.py); return what it made."""
        argv = [PYTHON, str(BENCH / "seed.py"), "--reporters", str(reporters)]
        argv += ["--prefill", str(prefill)]
        env = {**os.environ, **self.env()}
        out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        seeded = json.loads(out.stdout.strip().splitlines()[-1])
        self.blog_ids.append(seeded["blog_id"])
        return seeded

    def showfloor(
        self, name: str, cores: str | None, redis: bool = False, env: dict | None = None
    ) -> Service:
        """A Showfloor server (bench/serve.py: app.py plus a SQL statement counter)."""
        env = {**self.env(redis), **(env or {})}
        service = Service(name, [PYTHON, str(BENCH / "serve.py")], env, self.dir, cores)
        service.env["SHOWFLOOR_PORT"] = str(service.port)
        self.services.append(service)
        return service.start()

    def node(self, name: str, cores: str | None) -> Service:
        """The Node.js socket.io reference server (bench/node/server.js)."""
        argv = ["node", str(BENCH / "node" / "server.js")]
        service = Service(name, argv, {}, self.dir, cores)
        service.env["BENCH_PORT"] = str(service.port)
        service.pipelined = False
        self.services.append(service)
        return service.start()

    def stop_all(self) -> None:
        """Stop every server started here."""
        for service in self.services:
            service.stop()
        self.services = []

    def close(self, keep: bool = False) -> None:
        """Stop servers, drop our PostgreSQL database and forget our Redis keys."""
        self.stop_all()
        self._forget_redis()
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.database, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _forget_redis(self) -> None:
        """Delete the reader-count keys of our blogs; a shared Redis is never flushed."""
        if not self.redis_url or not self.blog_ids:
            return
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        with contextlib.suppress(redis.RedisError):
            client.delete(*(f"showfloor:readers:{blog_id}" for blog_id in self.blog_ids))
