"""axe-core in the browser tests: installed from the npm registry at test time, run inside a page.

The package lands in tests/.axe/ (ignored by git), once per machine; nothing is fetched from a CDN
and nothing is committed. Without npm the accessibility tests skip, and fail under CI.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from conftest import REQUIRE_SERVICES

AXE_VERSION = "4.14.1"
AXE_DIR = Path(__file__).resolve().parent / ".axe"
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# Impacts that fail a page: WCAG failures a reader would hit, not advisory best practices.
BLOCKING = ("serious", "critical")
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def axe_source() -> str:
    """The text of axe.min.js, installing the pinned axe-core with npm on first use."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "accessibility tests need npm to install axe-core"
            pytest.fail(message) if REQUIRE_SERVICES else pytest.skip(message)
        AXE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            timeout=300,
        )
    return AXE_FILE.read_text(encoding="utf-8")


def blocking_violations(page) -> list[str]:
    """Run axe on the page as it is now; one line per serious or critical violation."""
    # evaluate() runs through the DevTools protocol, so the page's strict CSP does not stop it.
    page.evaluate(f"() => {{ if (!window.axe) {{ {axe_source()}\n }} }}")
    result = page.evaluate(
        "(tags) => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        RULE_TAGS,
    )
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} — {targets}")
    return lines
