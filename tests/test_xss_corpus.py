"""The XSS corpus through the renderer: each vector leaves only allowlisted, visible, safe HTML."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from xss import VECTORS
from xss.audit import NEVER_SAFE_SCHEMES, problems

from blog.content import rendering
from blog.content.rendering import render_markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("source", list(VECTORS.values()), ids=list(VECTORS))
def test_vector_renders_to_allowlisted_safe_html(source):
    html = render_markdown(source)
    assert problems(html) == [], html


def test_corpus_is_large_and_covers_every_theme():
    assert len(VECTORS) >= 150
    themes = {name.split(":")[0] for name in VECTORS}
    assert themes == {"scheme", "element", "mutation", "markdown", "invisible"}


UNSAFE_OUTPUT = {
    "script": "<script>alert(1)</script>",
    "svg": "<svg></svg>",
    "handler on allowed tag": '<p onclick="x">a</p>',
    "handler without value": "<p onmouseover>a</p>",
    "style attribute": '<p style="x">a</p>',
    "js href": '<a href="javascript:alert(1)" rel="nofollow noopener">x</a>',
    "js href with tab ref": '<a href="java&#x09;script:x" rel="nofollow noopener">x</a>',
    "js href with zero-width": '<a href="java\u200bscript:x" rel="nofollow noopener">x</a>',
    "data href with leading space": '<a href=" DATA:text/html,x" rel="nofollow noopener">x</a>',
    "vbscript href by ref": '<a href="&#118;bscript:x" rel="nofollow noopener">x</a>',
    "link without noopener": '<a href="https://ok.example">x</a>',
    "rlo character": "<p>a\u202eb</p>",
    "rlo reference": "<p>a&#x202e;b</p>",
    "named rlm reference": "<p>a&rlm;b</p>",
    "zero-width in href": '<a href="https://pay&#8203;pal.example" rel="nofollow noopener">x</a>',
    "arabic letter mark in title": '<abbr title="a\u061cb">x</abbr>',
    "control character": "<p>a&#x9d;b</p>",
    "comment": "<!-- x -->",
    "cdata": "<![CDATA[x]]>",
}


@pytest.mark.parametrize("html", list(UNSAFE_OUTPUT.values()), ids=list(UNSAFE_OUTPUT))
def test_the_audit_itself_catches_unsafe_html(html):
    assert problems(html)


def test_the_audit_passes_ordinary_rich_html():
    html = render_markdown(
        '# Hi\n\n*a* **b** `c` [d](https://ok.example/?a=1&b=2 "t") [m](mailto:x@ok.example)'
        ' [rel](/e/x/) <abbr title="Mobile">MWC</abbr> H<sub>2</sub>O\n\n'
        "1. one\n\n> q\n\n| a |\n| - |\n| b |\n\n```\n<b>\n```\n\n---"
    )
    assert problems(html) == []
    assert html.count("<a ") == 3


# What no allowlist here may ever contain, whatever else it grows to hold.
NEVER_SAFE_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "base", "meta", "link", "svg", "math", "template",
    "noscript", "xmp", "noembed", "noframes", "plaintext", "title", "img", "video", "audio",
    "source", "picture", "image", "animate", "set", "use", "foreignobject", "isindex",
}  # fmt: skip
NEVER_SAFE_ATTRIBUTES = {
    "style", "src", "srcset", "srcdoc", "action", "formaction", "poster", "background", "data",
    "xlink:href", "id", "name", "form", "target", "http-equiv", "content",
}  # fmt: skip


def test_the_allowlist_holds_nothing_that_runs_loads_or_clobbers():
    assert not rendering.ALLOWED_TAGS & NEVER_SAFE_TAGS
    attributes = {a for names in rendering.ALLOWED_ATTRIBUTES.values() for a in names}
    assert not attributes & NEVER_SAFE_ATTRIBUTES
    assert not [a for a in attributes if a.startswith("on")]
    assert not rendering.ALLOWED_PROTOCOLS & NEVER_SAFE_SCHEMES
    assert "attr_list" not in rendering.MARKDOWN_EXTENSIONS
    assert "md_in_html" not in rendering.MARKDOWN_EXTENSIONS


def _imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _importers(module: str) -> set[str]:
    sources = [ROOT / "app.py", *sorted((ROOT / "blog").rglob("*.py"))]
    return {str(p.relative_to(ROOT)) for p in sources if module in _imported_modules(p)}


def test_bleach_is_imported_by_the_rendering_module_alone():
    # bleach 6.4.0 is its last release: keep it behind one module, easy to replace.
    assert _importers("bleach") == {"blog/content/rendering.py"}


def test_markdown_is_imported_by_the_rendering_module_alone():
    # The worker process loads rendering.py itself rather than importing markdown.
    assert _importers("markdown") == {"blog/content/rendering.py"}
