"""The blog page's own scripts and styles, as served, stay under their gzipped budget."""

from __future__ import annotations

import gzip
import re

BUDGET_BYTES = 30 * 1024


def own_assets(html: str) -> list[str]:
    """The page's script and stylesheet URLs; all must be the app's own."""
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    return scripts + styles


def test_blog_page_js_and_css_fit_the_budget(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog)
    html = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    urls = own_assets(html)
    assert any("reader.js" in u for u in urls) and any("app.css" in u for u in urls)
    assert all(u.startswith("/static/") for u in urls), "no third-party or CDN assets"
    sizes = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = len(gzip.compress(response.get_data(), compresslevel=9))
        response.close()
    total = sum(sizes.values())
    print(f"blog page JS+CSS: {total} bytes gzipped", sizes)
    assert total < BUDGET_BYTES, sizes


def test_first_screen_needs_no_script(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="Rendered by the server")
    html = client.get(f"/e/{blog.event.slug}/{blog.slug}/").get_data(as_text=True)
    assert "Rendered by the server" in html
    # Scripts are deferred: parsing and painting never wait for them.
    assert all("defer" in tag for tag in re.findall(r"<script[^>]+src=[^>]+>", html))
