#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py demo` runs the demo, `python3 dev.py test` the tests.

Needs only Python 3.11+: it makes its own virtual environment in .venv first.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def run(*args: str | Path, env: dict | None = None) -> None:
    """Run a command from the repository root; stop on failure with its exit code."""
    code = subprocess.call([str(a) for a in args], cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project when pyproject.toml or the extras changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - say so clearly on an old Python
        sys.exit("Showfloor needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv …")
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing Showfloor and its dependencies …")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".{extras}")
    STAMP.write_text(wanted)


def flask(*args: str) -> None:
    """Run a `flask --app app` command inside the virtual environment."""
    run(PYTHON, "-m", "flask", "--app", "app", *args)


def demo() -> None:
    """Install, migrate, load the demo event and serve it."""
    ensure_venv("")
    flask("db", "upgrade")
    flask("demo")
    run(PYTHON, "app.py")


def test(pytest_args: list[str]) -> None:
    """Install with test tools, lint, and run the whole test suite."""
    ensure_venv("[test]")
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    run(PYTHON, "-m", "pytest", *with_workers(pytest_args))


def with_workers(pytest_args: list[str]) -> list[str]:
    """Spread the suite over every core unless the arguments choose (-n, -p no:xdist)."""
    # Every test makes its own database and ports, so workers share nothing;
    # one process took about twice as long on two cores.
    chosen = any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args)
    if chosen or "no:xdist" in pytest_args:
        return pytest_args
    return ["-n", "auto", *pytest_args]


def main() -> None:
    """Dispatch to demo or test."""
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "demo":
        demo()
    elif command == "test":
        test(rest)
    else:
        sys.exit("usage: python3 dev.py demo | python3 dev.py test [pytest arguments]")


if __name__ == "__main__":
    main()
