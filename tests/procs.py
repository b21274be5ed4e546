"""Real processes for the fault tests: Showfloor servers, a private Redis, a private PostgreSQL.

Every wait polls a condition against a deadline; nothing sleeps in place of synchronisation.
"""

from __future__ import annotations

import contextlib
import glob
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.05):
    """Poll check() until it returns something truthy; fail naming what after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


class Response:
    """Status, headers and decoded body of one HTTP exchange."""

    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.text)


def http(method: str, url: str, body: dict | None = None, headers=None, timeout=10) -> Response:
    """Send one request; HTTP errors come back as a Response, network errors raise OSError."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Response(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.headers, err.read())


def _answers(url: str) -> bool:
    try:
        return http("GET", url, timeout=2).status == 200
    except OSError:
        return False


class Server:
    """One `python app.py` process on its own port."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "SHOWFLOOR_PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        """Start the process (on the same port as before); do not wait for it."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        return self

    def wait_healthy(self, timeout: float = 30) -> Server:
        """Wait until /healthz answers; fail with the log if the process died first."""

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            return _answers(self.url + "/healthz")

        wait_until(up, timeout, f"{self.url}/healthz")
        return self

    def wait_ready(self, timeout: float = 30) -> Server:
        """Wait until /readyz answers 200: database reachable, queue subscribed."""
        wait_until(lambda: _answers(self.url + "/readyz"), timeout, f"{self.url}/readyz")
        return self

    def alive(self) -> bool:
        """Tell whether the process is still running."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, sockets reset by the kernel."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        """The last lines the process wrote."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])


class RedisServer:
    """A private redis-server on its own port, to stop and flush without touching others."""

    def __init__(self, work_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = work_dir
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        """Start it and wait until it answers PING."""
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        """Stop it now (SIGKILL: like a crash, no goodbye to clients)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def client(self):
        """A redis-py client with short timeouts."""
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def answers(self) -> bool:
        """Tell whether it answers PING."""
        try:
            return bool(self.client().ping())
        except Exception:
            return False


def postgres_bindir() -> str | None:
    """Where initdb and pg_ctl live: $SHOWFLOOR_TEST_PG_BINDIR, PATH, pg_config, or Debian's."""
    candidates = [os.environ.get("SHOWFLOOR_TEST_PG_BINDIR", "")]
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl")).resolve().parent))
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for path in candidates:
        if path and os.access(os.path.join(path, "initdb"), os.X_OK):
            return path
    return None


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder, to stop and restart at will."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="showfloor-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root; then the cluster belongs to `postgres`.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_user, os.path.join(self.bindir, tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")

    def init(self) -> PostgresCluster:
        """Create the cluster (trust authentication, superuser postgres)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        return self

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut, as in a restart or failover."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs and remove its folder."""
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
