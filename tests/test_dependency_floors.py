"""No dependency below its last security fix: neither installed here nor allowed by pyproject.toml.

Each floor is the first release with the package's latest known security fix, found in
the advisories named beside it. When a new advisory appears, raise the floor here and
the lower bound in pyproject.toml; this test then fails wherever an older one is installed.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

FLOORS = {
    # Final release ("no future releases including for security issues"): fixes
    # javascript: URLs hidden by invisible characters and unsanitised formaction.
    "bleach": "6.4.0",
    # CVE-2025-61765 (5.14.0: queue messages were unpickled) and CVE-2026-48804
    # (5.16.2: binary attachments accumulated without bound).
    "python-socketio": "5.16.2",
    # CVE-2026-48802 and CVE-2026-48809: unbounded thread allocation (4.13.2).
    "python-engineio": "4.13.2",
    # CVE-2026-27199 (GHSA-29vq-49wr-vm6x): safe_join let Windows device names
    # through in multi-segment paths; follows CVE-2025-66221 and CVE-2026-21860.
    "werkzeug": "3.1.6",
    # CVE-2026-40192 (12.2.0, FITS decompression bomb), then CVE-2026-55379 and
    # PYSEC-2026-2253..2257 (12.3.0).
    "pillow": "12.3.0",
    # CVE-2025-69534: an uncaught AssertionError from HTMLParser on "<![".
    "markdown": "3.8.1",
    # CVE-2026-27205 (GHSA-68rp-wp8r-4726): no Vary: Cookie for some session reads.
    "flask": "3.1.3",
    # CVE-2025-27516 (GHSA-cpwx-vrp4-4pq7): sandbox escape through |attr.
    "jinja2": "3.1.6",
    # CVE-2023-41419 (23.9.0), then request smuggling through Expect: 100-continue
    # in pywsgi (SNYK-PYTHON-GEVENT-9919772), fixed in 25.4.1.
    "gevent": "25.4.1",
    # CVE-2019-7164 and CVE-2019-7548 (SQL injection through order_by/group_by
    # strings) were fixed in 1.3.0; none since. Our floor is 2.0's typed API.
    "sqlalchemy": "2.0.30",
    # No advisory against psycopg 3 itself; from 3.1.14 on it cooperates with gevent
    # by itself (psycopg2 needed psycogreen), so no lower version is acceptable either.
    "psycopg": "3.1.14",
    # CVE-2021-42771: Locale names could load files outside the locale data folder
    # (2.9.1); readers' Accept-Language reaches locale parsing (blog/platform/i18n.py).
    "babel": "2.9.1",
    # CVE-2023-28858 and CVE-2023-28859: a cancelled async command could leak its
    # reply to another request (4.5.4 / 4.4.4). Our floor is 5.0.
    "redis": "5.0",
}


def declared_lower_bounds() -> dict[str, Version | None]:
    """Each runtime and test requirement's lowest allowed version (None if unbounded below)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    bounds: dict[str, Version | None] = {}
    for line in lines:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        low = _lower_bound(req)
        # The same package in two places (socketio and its client extra): the laxer counts.
        if name not in bounds or low is None or (bounds[name] and low < bounds[name]):
            bounds[name] = low
    return bounds


def _lower_bound(req: Requirement) -> Version | None:
    lows = [Version(s.version) for s in req.specifier if s.operator in (">=", "==", "~=", ">")]
    return max(lows) if lows else None


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_installed_version_is_at_least_the_last_security_fix(package):
    try:
        installed = Version(version(package))
    except PackageNotFoundError:
        pytest.fail(f"{package} is not installed; run .venv/bin/pip install -e '.[test]'")
    floor = Version(FLOORS[package])
    assert installed >= floor, (
        f"{package} {installed} is below {floor}, its last security fix: "
        f".venv/bin/pip install -U '{package}>={floor}'"
    )


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_pyproject_cannot_resolve_below_the_floor(package):
    bounds = declared_lower_bounds()
    assert package in bounds, (
        f"{package} is not declared in pyproject.toml: declare it with a lower bound of "
        f">={FLOORS[package]} so a fresh install cannot pick an older one"
    )
    low, floor = bounds[package], Version(FLOORS[package])
    assert low is not None and low >= floor, (
        f"pyproject.toml lets {package} resolve to {low or 'any version'}; "
        f"raise its lower bound to >={floor}"
    )


def test_the_lower_bound_is_read_from_the_specifiers():
    req = Requirement("python-socketio[client]>=5.14.0")
    assert _lower_bound(req) == Version("5.14.0")
    assert _lower_bound(Requirement("bleach")) is None
    assert _lower_bound(Requirement("gevent>=25.4.1,<27")) == Version("25.4.1")
