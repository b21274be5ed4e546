"""axe-core on the desk's pages, at phone and laptop size, light and dark: no serious or critical
violation on the composer, the desk home, an entry's edit page, blog settings and editor pages."""

from __future__ import annotations

import pytest
from axe_support import blocking_violations
from desk_site import LAPTOP, PHONE, serve_desk_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(migrated_template, tmp_path_factory):
    yield from serve_desk_site(migrated_template, tmp_path_factory)


def pages(site) -> list[str]:
    ids = site.ids
    return [
        "/desk/",
        f"/desk/blogs/{ids['blog']}",
        f"/desk/entries/{ids['entry']}/edit",
        f"/curate/events/{ids['event']}/blogs/{ids['blog']}/",
        "/curate/",
        f"/curate/events/{ids['event']}/",
        "/people/",
        "/review/",
    ]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desk_pages_have_no_serious_accessibility_violation(site, chromium, size, scheme):
    page = site.page(chromium, "editor", viewport=size, color_scheme=scheme)
    found = {}
    for path in pages(site):
        page.goto(site.url(path))
        page.wait_for_load_state("load")
        # Folded parts count too: open them as a reporter would.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        problems = blocking_violations(page)
        if problems:
            found[path] = problems
    page.context.close()
    assert found == {}, "\n".join(f"{p}: {line}" for p, lines in found.items() for line in lines)
