"""axe-core on every reader page, light and dark, phone and laptop: nothing serious or critical."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from axe_support import blocking_violations
from browser_support import WAIT_MS, log_in

pytestmark = pytest.mark.browser

# (name, path, needs_login). Paths are filled from the seeded show: {event}, {blog}, {blog_id},
# and an entry's name in braces ({older}, {pinned}, …). A new page is one more line here.
PAGES = [
    ("hub", "/e/{event}/", False),
    ("blog", "/e/{event}/{blog}/", False),
    ("permalink", "/e/{event}/{blog}/entries/{older}", False),
    ("search", "/e/{event}/search?q=spectrum", False),
    ("embed", "/embed/{event}/{blog}", False),
]
SIZES = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1280, "height": 900}}
# The live pages say when their stream is followed; axe then sees what the scripts made.
SETTLED = """() => {
    const c = document.getElementById('connection');
    return document.readyState === 'complete' && (!c || c.classList.contains('connection--live'));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize(("name", "path", "needs_login"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_or_critical_violations(
    chromium, showcase, name, path, needs_login, size, scheme
):
    context = chromium.new_context(viewport=SIZES[size], color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if needs_login:
        log_in(page, showcase.server, SimpleNamespace(email=showcase.editor_email))
    page.goto(showcase.server.url + showcase.fill(path))
    page.wait_for_function(SETTLED, timeout=WAIT_MS)
    try:
        assert blocking_violations(page) == []
        assert errors == []
    finally:
        context.close()
