"""Markdown rendering: hostile input keeps only allowlisted HTML; plain Markdown renders exactly."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from blog.content.rendering import MAX_SOURCE_CHARS, RenderError, render_markdown

# Kept here, not imported, so widening the renderer's allowlist fails a test
# and gets a second look.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "abbr": {"title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
# What a browser strips from a URL before reading its scheme.
URL_IGNORED = re.compile(r"[\t\n\r]")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class _Collector(HTMLParser):
    """Collect every start tag with its (entity-decoded) attributes, as a browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.tags


def url_scheme(href: str) -> str | None:
    """The scheme a browser would read from href, or None for a relative URL."""
    cleaned = URL_IGNORED.sub("", href).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
    match = SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def assert_safe(html: str) -> None:
    for tag, attrs in parse(html):
        assert tag in ALLOWED_TAGS, f"tag <{tag}> survived in {html!r}"
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        assert set(attrs) <= allowed, f"attributes {set(attrs) - allowed} on <{tag}> in {html!r}"
        if tag == "a":
            href = attrs.get("href")
            assert href, f"a link without href survived in {html!r}"
            scheme = url_scheme(href)
            assert scheme is None or scheme in ALLOWED_SCHEMES, f"{scheme}: link in {html!r}"
            assert attrs.get("rel") == "nofollow noopener"
    assert not INVISIBLE.search(html), f"bidi or zero-width character left in {html!r}"


HOSTILE = {
    # Links to script schemes, inline and reference style.
    "js inline": "[x](javascript:alert(1))",
    "js mixed case": "[x](JaVaScRiPt:alert(1))",
    "js decimal entity": "[x](&#106;avascript:alert(1))",
    "js hex entities": "[x](&#x6A;&#x61;vascript:alert(1))",
    "js entity tab": "[x](java&#x09;script:alert(1))",
    "js zero-width": "[x](java\u200bscript:alert(1))",
    "js angle brackets": "[a](<javascript:alert(1)>)",
    "js reference": "[x][r]\n\n[r]: javascript:alert(1)",
    "js reference upper": "[x][r]\n\n[r]: JAVASCRIPT:alert(1)",
    "data inline": "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "data reference": "[x][r]\n\n[r]: data:text/html,<script>alert(1)</script>",
    "vbscript inline": "[x](vbscript:msgbox(1))",
    "image js": "![x](javascript:alert(1))",
    "image https": "![x](https://img.example/a.png)",
    # The same in raw HTML.
    "raw a js": '<a href="javascript:alert(1)">x</a>',
    "raw a js entity colon": '<a href="JAVASCRIPT&#58;alert(1)">x</a>',
    "raw a js named colon": '<a href="javascript&colon;alert(1)">x</a>',
    "raw a js partial entity": '<a href="jav&#97;script:alert(1)">x</a>',
    "raw a js padded entities": '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    "raw a js newline": '<a href="java&#x0A;script:alert(1)">x</a>',
    "raw a js leading control": '<a href="&#x01;javascript:alert(1)">x</a>',
    "raw a js leading space": '<a href=" javascript:alert(1)">x</a>',
    "raw a data": '<a href="data:text/html,x">x</a>',
    "raw a vbscript": '<a href="VBScript:x">x</a>',
    "raw a onclick": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "raw a target style": '<a href="https://ok.example" target="_top" style="x" rel="opener">x</a>',
    "svg xlink": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    # Elements that run code, load things or change the page.
    "script": "<script>alert(1)</script>",
    "script split": "<<script>script>alert(1)<</script>/script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)>",
    "iframe": "<iframe src=https://evil.example></iframe>",
    "style": "<style>body{display:none}</style>",
    "form formaction": (
        "<form action=https://evil.example><button formaction=javascript:alert(1)>x</button></form>"
    ),
    "object embed": "<object data=x.swf></object><embed src=x.swf>",
    "base": "<base href=https://evil.example/>",
    "meta refresh": '<meta http-equiv=refresh content="0;url=https://evil.example">',
    "details ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "input onfocus": "<input autofocus onfocus=alert(1)>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "unknown element handler": "<x onmouseover=alert(1)>hover</x>",
    "abbr onclick": '<abbr title="x" onclick="y">A</abbr>',
    "blockquote cite": "<blockquote cite=javascript:alert(1)>q</blockquote>",
    "td background": "<table><tr><td background=javascript:alert(1)>x</td></tr></table>",
    "heading handler": "<h1 onclick=x>Hi</h1>",
    "comment": "<!-- <img src=x onerror=alert(1)> -->",
    # attr_list syntax must stay text: it would let a writer set onclick or href.
    "attr_list paragraph": "text\n{: onclick=alert(1) }",
    "attr_list link": "[x](https://ok.example){: onclick=alert(1) href=javascript:alert(1) }",
    # Parser-differential (mutation XSS) nesting.
    "noscript title": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "template": "<template><script>alert(1)</script></template>",
    "math mglyph style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math href": '<math href="javascript:alert(1)">x</math>',
    "svg style img": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    # Invisible characters that make a link read as another address.
    "bidi in link text": "[https://good.example\u202elpmaxe.live](https://evil.example)",
    "bidi in title": '[click](https://evil.example "\u202etitle")',
    "bidi isolate": "pay \u2066https://evil.example\u2069 now",
    "zero-width": "x\u200by\u200d\ufeffz\u2060w",
}


@pytest.mark.parametrize("source", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_leaves_only_allowlisted_html(source):
    assert_safe(render_markdown(source))


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)" rel="nofollow noopener">x</a>',
        '<a href="java&#x0A;script:alert(1)" rel="nofollow noopener">x</a>',
        '<a href=" DATA:text/html,x" rel="nofollow noopener">x</a>',
        '<a href="https://ok.example" rel="nofollow noopener" onclick="x">x</a>',
        '<a href="https://ok.example">no rel</a>',
        "<img src=x>",
        "<p>a\u202eb</p>",
    ],
)
def test_the_safety_check_itself_catches_unsafe_html(html):
    with pytest.raises(AssertionError):
        assert_safe(html)


def test_hostile_table_is_large_enough():
    assert len(HOSTILE) >= 30


def test_script_scheme_links_lose_their_href():
    for source in ("[x](javascript:alert(1))", '<a href="javascript:alert(1)">x</a>'):
        assert render_markdown(source) == "<p>x</p>"


def test_disallowed_elements_keep_only_their_text():
    assert render_markdown("<script>alert(1)</script>") == "alert(1)"
    assert render_markdown("<x onmouseover=alert(1)>hover</x>") == "<p>hover</p>"


def test_attr_list_syntax_stays_literal_text():
    html = render_markdown("[x](https://ok.example){: onclick=alert(1) }")
    assert html == (
        '<p><a href="https://ok.example" rel="nofollow noopener">x</a>{: onclick=alert(1) }</p>'
    )


def test_bidi_override_is_removed_from_link_text():
    html = render_markdown("[https://good.example\u202elpmaxe.live](https://evil.example)")
    assert html == (
        '<p><a href="https://evil.example" rel="nofollow noopener">'
        "https://good.examplelpmaxe.live</a></p>"
    )


ORDINARY = {
    "paragraphs and emphasis": (
        "Hello *world* and **bold** text.\n\nSecond paragraph.",
        "<p>Hello <em>world</em> and <strong>bold</strong> text.</p>\n<p>Second paragraph.</p>",
    ),
    "unordered list": (
        "- one\n- two\n- three",
        "<ul>\n<li>one</li>\n<li>two</li>\n<li>three</li>\n</ul>",
    ),
    "ordered list": ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
    "link with query string": (
        "See [the schedule](https://showfloor.org/agenda?day=2&hall=3).",
        '<p>See <a href="https://showfloor.org/agenda?day=2&amp;hall=3" '
        'rel="nofollow noopener">the schedule</a>.</p>',
    ),
    "link with title": (
        '[docs](https://showfloor.org/docs "The docs")',
        '<p><a href="https://showfloor.org/docs" title="The docs" '
        'rel="nofollow noopener">docs</a></p>',
    ),
    "mailto link": (
        "[write](mailto:desk@showfloor.org)",
        '<p><a href="mailto:desk@showfloor.org" rel="nofollow noopener">write</a></p>',
    ),
    "bare url is linked": (
        "Visit https://showfloor.org/?a=1&b=2 now",
        '<p>Visit <a href="https://showfloor.org/?a=1&amp;b=2" rel="nofollow noopener">'
        "https://showfloor.org/?a=1&amp;b=2</a> now</p>",
    ),
    "fenced code escapes html": (
        "```\n<b>not bold</b> & more\n```",
        "<pre><code>&lt;b&gt;not bold&lt;/b&gt; &amp; more\n</code></pre>",
    ),
    "fenced code is not linked": (
        "```\nhttps://showfloor.org\n```",
        "<pre><code>https://showfloor.org\n</code></pre>",
    ),
    "inline code escapes html": (
        "Inline `code <b>`",
        "<p>Inline <code>code &lt;b&gt;</code></p>",
    ),
    "headings demoted": (
        "# Big\n\n## Medium\n\n### Small\n\n###### Tiny",
        "<h3>Big</h3>\n<h3>Medium</h3>\n<h4>Small</h4>\n<h4>Tiny</h4>",
    ),
    "table": (
        "| Phone | Price |\n| --- | ---: |\n| Fold 3 | €1,099 |",
        "<table>\n<thead>\n<tr>\n<th>Phone</th>\n<th>Price</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>Fold 3</td>\n<td>€1,099</td>\n</tr>\n</tbody>\n</table>",
    ),
    "blockquote": ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
    "hard line break": ("line one  \nline two", "<p>line one<br>\nline two</p>"),
    "horizontal rule": ("---", "<hr>"),
    "special characters escaped": ("a < b & c > d", "<p>a &lt; b &amp; c &gt; d</p>"),
    "windows newlines": ("Tom & Jerry\r\nNext line", "<p>Tom &amp; Jerry\nNext line</p>"),
    "allowed inline html": (
        'H<sub>2</sub>O and x<sup>2</sup> <abbr title="Mobile">MWC</abbr>',
        '<p>H<sub>2</sub>O and x<sup>2</sup> <abbr title="Mobile">MWC</abbr></p>',
    ),
    "unicode kept": ("Café 東京 — “quoted”", "<p>Café 東京 — “quoted”</p>"),
}


@pytest.mark.parametrize(("source", "expected"), list(ORDINARY.values()), ids=list(ORDINARY))
def test_ordinary_markdown_renders_exactly(source, expected):
    assert render_markdown(source) == expected


def test_source_at_the_limit_renders():
    assert render_markdown("x" * MAX_SOURCE_CHARS) == f"<p>{'x' * MAX_SOURCE_CHARS}</p>"


def test_invisible_characters_do_not_count_towards_the_limit():
    source = "x" * MAX_SOURCE_CHARS + "\u200b" * 50
    assert render_markdown(source) == f"<p>{'x' * MAX_SOURCE_CHARS}</p>"


@pytest.mark.parametrize("source", ["x" * (MAX_SOURCE_CHARS + 1), "[" * (MAX_SOURCE_CHARS + 1)])
def test_over_long_source_raises_render_error(source):
    with pytest.raises(RenderError, match="too long"):
        render_markdown(source)


def test_deep_nesting_raises_render_error():
    with pytest.raises(RenderError, match="nested too deeply"):
        render_markdown("1. " * 3000)


ONE_AFTER_ANOTHER = [
    "See [the keynote][k].\n\n[k]: https://example.com/keynote",
    "Now [k] is only text: the last source's reference is gone.",
    "<div>raw block</div>\n\nAfter it.",
    "```\ncode <b>kept</b>\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "1. one\n2. two\n\n* bullet",
    "> quoted *with* emphasis",
    "[" * 300 + "deep",
    "- " * 1000 + "too deep: a conversion cut off part-way",
]


def test_each_source_renders_as_if_it_were_the_first():
    """The worker keeps one Markdown converter: nothing of one source reaches the next."""
    from blog.content import rendering

    alone = []
    for source in ONE_AFTER_ANOTHER:
        rendering._converters.clear()  # a fresh converter, as the worker's first source gets
        alone.append(render_or_error(rendering, source))
    for order in (ONE_AFTER_ANOTHER, list(reversed(ONE_AFTER_ANOTHER))):
        got = [render_or_error(rendering, source) for source in order]
        assert got == [alone[ONE_AFTER_ANOTHER.index(source)] for source in order]
    assert "href" not in alone[1] and 'href="https://example.com/keynote"' in alone[0]


def render_or_error(rendering, source: str) -> str:
    """The HTML render_here makes of source, or the message it refuses it with."""
    try:
        return rendering.render_here(source)
    except RenderError as exc:
        return str(exc)
