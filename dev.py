#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py demo` runs the demo, `python3 dev.py test` the tests.

Needs only Python 3.11+: it makes its own virtual environment in .venv first, with the exact
releases pinned in constraints.txt (`python3 dev.py freeze` moves them to the newest allowed).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
CONSTRAINTS = ROOT / "constraints.txt"
CONSTRAINTS_HEADER = """\
# Exact releases of everything the default, [test] and [bench] installs resolve to, on Python 3.11.
# dev.py installs with `pip install -c constraints.txt`. Regenerate (newest releases pyproject.toml
# allows): python3 dev.py freeze
"""


def run(*args: str | Path, env: dict | None = None) -> None:
    """Run a command from the repository root; stop on failure with its exit code."""
    code = subprocess.call([str(a) for a in args], cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project when pyproject.toml, the pins or the extras changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - say so clearly on an old Python
        sys.exit("Showfloor needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv …")
        venv.create(VENV, with_pip=True)
    inputs = (ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes() + extras.encode()
    wanted = hashlib.sha256(inputs).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing Showfloor and its dependencies …")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "-e", f".{extras}")
    STAMP.write_text(wanted)


def freeze() -> None:
    """Resolve every install afresh in a scratch environment; pin the result in constraints.txt."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "venv"
        venv.create(fresh, with_pip=True)
        python = fresh / BIN.name / PYTHON.name
        run(python, "-m", "pip", "install", "--quiet", "-e", ".[test,bench]")
        listed = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude-editable"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    CONSTRAINTS.write_text(CONSTRAINTS_HEADER + listed.stdout)
    print(f"Pinned {len(listed.stdout.splitlines())} packages in constraints.txt.")


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
    """Install with test tools, lint, type-check blog/ and run the whole test suite."""
    ensure_venv("[test]")
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    run(PYTHON, "-m", "mypy")
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
    """Dispatch to demo, test or freeze."""
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "demo":
        demo()
    elif command == "test":
        test(rest)
    elif command == "freeze":
        freeze()
    else:
        sys.exit("usage: python3 dev.py demo | test [pytest arguments] | freeze")


if __name__ == "__main__":
    main()
