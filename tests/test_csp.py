"""The Content Security Policy as second wall: on every HTML page, and no inline script needs it.

Every GET route of the URL map is requested, logged in as an admin, with data
seeded so that its ids and slugs resolve; each HTML answer (error pages too)
must carry the strict policy. Templates and static files are read for inline
script bodies and inline event handlers, which that policy would block.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import login
from webhook_support import seed_webhook

from blog import actions
from blog.models import Role

ROOT = Path(__file__).resolve().parent.parent
# The one route other sites may frame; it keeps every other directive.
FRAMABLE = {"readers.embed"}
# Non-page routes whose arguments are not ids of seeded rows.
UNSEEDED_ARGS = {"name": "no-such-file.jpg", "filename": "css/app.css"}


def directives(policy: str) -> dict[str, list[str]]:
    """A policy as directive name -> its sources."""
    parts = [d.split() for d in policy.split(";") if d.strip()]
    return {p[0].lower(): p[1:] for p in parts}


def policy_problems(policy: str, framable: bool = False) -> list[str]:
    """What is missing from or too loose in a page's Content Security Policy."""
    found = directives(policy)
    wanted = {"script-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'none'"]}
    problems = [f"{k} is {found.get(k)}" for k, v in wanted.items() if found.get(k) != v]
    if not framable and found.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        problems.append(f"frame-ancestors is {found.get('frame-ancestors')}")
    if found.get("default-src") != ["'self'"]:
        problems.append(f"default-src is {found.get('default-src')}")
    problems += [f"{k} allows {s}" for k, v in found.items() for s in v if "unsafe" in s]
    return problems


@pytest.fixture
def seeded(client, make_event, make_blog, make_entry, make_user):
    """An admin logged in, and one row of everything a GET route names by id, slug or token."""
    admin = make_user(Role.ADMIN)
    event = make_event()
    blog = make_blog(event)
    speaker = actions.add_speaker(event, "Ada Example", "CTO", "Example")
    entry = make_entry(blog, source="Hello", speaker_id=speaker.id, kind="quote", is_key=True)
    data = actions.SessionInput(
        title="Keynote", stage="Hall 1", starts_at="2027-03-01T10:00", ends_at="2027-03-01T11:00"
    )
    session = actions.save_session(admin, event.id, None, data)
    reporter = make_user(Role.REPORTER, events=[event])
    values = {
        "event_id": event.id,
        "event_slug": event.slug,
        "blog_id": blog.id,
        "blog_slug": blog.slug,
        "entry_id": entry.id,
        "speaker_id": speaker.id,
        "session_id": session.id,
        "user_id": reporter.id,
        "token": actions.issue_password_link(admin, reporter.id),
        "batch_id": actions.create_batch(admin, blog.id, "Launch").id,
        **seed_webhook(admin, event, lambda: make_entry(blog, source="Hooked")),
        **UNSEEDED_ARGS,
    }
    assert login(client, admin).status_code == 302
    return values


def get_routes(app, values: dict) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET rule, its arguments filled from values."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            missing = rule.arguments - set(values)
            assert not missing, f"seed a value for {missing} to walk {rule.rule}"
            args = {name: values[name] for name in rule.arguments}
            routes.append((rule.endpoint, rule.build(args, append_unknown=False)[1]))
    return sorted(routes)


def test_every_html_page_carries_the_strict_policy(app, client, seeded):
    walked = []
    for endpoint, url in [*get_routes(app, seeded), ("-", "/no-such-page"), ("-", "/e/no/")]:
        response = client.get(url)
        response.close()  # static files are streamed from an open file
        if response.mimetype != "text/html":
            continue
        policies = response.headers.getlist("Content-Security-Policy")
        assert len(policies) == 1, url
        assert policy_problems(policies[0], endpoint in FRAMABLE) == [], url
        walked.append((url, response.status_code))
    pages = [url for url, status in walked if status == 200]
    # Most pages answer 200 for an admin with seeded data, so the walk saw real pages.
    assert len(pages) >= 30, walked


def test_only_the_embed_may_be_framed_by_other_sites(app, client, seeded):
    embed = client.get(f"/embed/{seeded['event_slug']}/{seeded['blog_slug']}")
    found = directives(embed.headers["Content-Security-Policy"])
    assert found["frame-ancestors"] == app.config["EMBED_FRAME_ANCESTORS"].split()
    assert policy_problems(embed.headers["Content-Security-Policy"], framable=True) == []
    page = client.get(f"/e/{seeded['event_slug']}/{seeded['blog_slug']}/")
    assert directives(page.headers["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]


@pytest.mark.parametrize(
    "policy",
    [
        "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'self'",
        "default-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'self'",
        "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self' https://cdn.example; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors *",
        "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; object-src 'none'; "
        "base-uri 'none'",
    ],
)
def test_the_policy_check_itself_refuses_loose_policies(policy):
    assert policy_problems(policy)


# ---- no inline script in the sources ---------------------------------------------

# Script elements that hold data, not code, and never run.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Jinja tags and expressions, which may sit inside an HTML tag.
JINJA = re.compile(r"\{[%{#].*?[%}#]\}", re.S)


class InlineScriptAudit(HTMLParser):
    """Find inline script bodies, event-handler attributes and javascript: URLs in markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._code_script = False

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if re.match(r"\s*javascript:", value or "", re.I):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")
        self._code_script = (
            tag == "script" and "src" not in attrs and attrs.get("type") not in DATA_SCRIPT_TYPES
        )

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._code_script = False

    def handle_data(self, data) -> None:
        if self._code_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:60]!r}")


def markup_problems(text: str) -> list[str]:
    """Inline script found in a template or an HTML/SVG file (Jinja markup blanked first)."""
    audit = InlineScriptAudit()
    audit.feed(JINJA.sub(" ", text))
    audit.close()
    return audit.problems


# In our scripts: HTML strings that carry handlers, handlers set as attributes, eval.
SCRIPT_PATTERNS = {
    "handler in an HTML string": re.compile(r"""["'`][^"'`]*<[a-z][^>]*\son[a-z]+\s*=""", re.I),
    "handler set as an attribute": re.compile(r"""setAttribute\(\s*["'`]on""", re.I),
    "javascript: URL": re.compile(r"""["'`]\s*javascript:""", re.I),
    "eval": re.compile(r"\beval\(|\bnew Function\(|set(Timeout|Interval)\(\s*[\"'`]"),
}


def script_problems(text: str) -> list[str]:
    """Inline-script patterns found in one of our JavaScript files."""
    return [name for name, pattern in SCRIPT_PATTERNS.items() if pattern.search(text)]


def _files(folder: str, *suffixes: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in suffixes)


def test_templates_and_static_markup_have_no_inline_script_or_handlers():
    files = _files("templates", ".html") + _files("static", ".html", ".svg")
    assert len(files) > 30
    found = {str(p.relative_to(ROOT)): markup_problems(p.read_text()) for p in files}
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_our_scripts_add_no_inline_handlers_and_never_eval():
    files = _files("static", ".js")
    assert files
    found = {str(p.relative_to(ROOT)): script_problems(p.read_text()) for p in files}
    assert {name: problems for name, problems in found.items() if problems} == {}


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script type="module">import "x"</script>',
        '<button onclick="go()">x</button>',
        '<body {% if x %}class="a"{% endif %} onload="go()">',
        '<a href=" JavaScript:go()">x</a>',
    ],
)
def test_the_markup_check_itself_finds_inline_script(markup):
    assert markup_problems(markup)


def test_the_markup_check_accepts_external_and_data_scripts():
    html = (
        "<script src=\"{{ asset_url('js/x.js') }}\" defer></script>"
        '<script type="application/json" id="s">{{ state|tojson }}</script>'
        '<script type="application/ld+json">{"a": 1}</script>'
    )
    assert markup_problems(html) == []


@pytest.mark.parametrize(
    "script",
    [
        "el.innerHTML = '<img src=x onerror=\"go()\">';",
        "el.setAttribute('onclick', 'go()');",
        'a.href = "javascript:void(0)";',
        "eval(code);",
        "setTimeout('go()', 10);",
    ],
)
def test_the_script_check_itself_finds_inline_handlers(script):
    assert script_problems(script)


def test_an_inline_script_added_to_the_base_template_would_be_found():
    # Proven on a copy of the real template, so the check reads templates as they are written.
    text = (ROOT / "templates" / "base.html").read_text()
    marker = uuid.uuid4().hex
    assert markup_problems(text) == []
    assert markup_problems(text.replace("</body>", f"<script>{marker}</script></body>"))
