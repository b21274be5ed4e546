"""Markdown to sanitised HTML: the only module that imports markdown or bleach.

Python-Markdown is quadratic on some small inputs and bleach's linkifier on
others ("(" × 10,000 takes over a second), and no cheap estimate finds them
all. So the server process never renders: render_markdown hands every source
to a long-lived worker process (blog/content/markdown_worker.py, which runs
render_here) and kills it when it takes longer than RENDER_TIMEOUT. This
module imports nothing of Showfloor, so the worker starts in a tenth of a second.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import re
import select
import subprocess
import sys
import time
import unicodedata
from collections.abc import MutableMapping
from html import unescape
from pathlib import Path

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

from blog.platform.errors import Invalid

MAX_SOURCE_CHARS = 10_000
# Everyday entries render in a few milliseconds; a source still rendering
# after this long is refused as too complex and its worker is killed.
RENDER_TIMEOUT = 1.0
# Worker processes per server process: each renders one source at a time,
# so at most this many cores render at once. More waiting requests queue.
RENDER_WORKERS = 2
# How long a request waits for a free worker before it is told to retry.
QUEUE_TIMEOUT = 10.0
# Starting a worker (importing markdown and bleach) is not the source's cost.
STARTUP_TIMEOUT = 30.0
_WORKER = Path(__file__).with_name("markdown_worker.py")

ALLOWED_TAGS = frozenset(
    {
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
)
# "start" keeps a list that begins at 3 numbered from 3.
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Extensions that add structure but never let a writer set attributes
# (attr_list is deliberately absent: it allows onclick and href overrides).
MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]

# Bidi controls (Unicode's Bidi_Control set, U+061C included) and zero-width or
# other invisible format characters can make a link read as one address while
# it goes to another, or hide words; no live-blog text needs them.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# A character reference (&#x202e;, &rlm;) reaches the reader as the character
# itself, so the invisible ones are removed from the output as well.
# Unicode's control characters (category Cc: C0, DEL and C1) except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CHAR_REF = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
# Writers' headings become h3/h4 so they never outrank the page's own headings.
_HEADING = re.compile(r"<(/?)h([1-6])>")


class RenderError(ValueError):
    """Raised when a source cannot be rendered; the message is for the writer."""


def clean_text(text: str) -> str:
    """Normalise user text: NFC, unix newlines, no invisible or control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def clean_field(raw: object, label: str, limit: int, field: str, required: bool = False) -> str:
    """One line of user text (a name, a title): cleaned as clean_text, spaces collapsed, capped.

    Every name that reaches a page or a feed goes through here, so none carries
    a control or bidi character and none is longer than its column.
    """
    text = " ".join(clean_text(raw if isinstance(raw, str) else str(raw or "")).split())
    if required and not text:
        raise Invalid(f"{label} is required.", {field: "empty"})
    if len(text) > limit:
        raise Invalid(f"{label} is too long: at most {limit} characters.", {field: "too long"})
    return text


def _drop_invisible_references(html: str) -> str:
    """Remove character references that a browser would turn into what clean_text removes."""
    return _CHAR_REF.sub(_visible_reference, html)


def _visible_reference(match: re.Match) -> str:
    ref = match.group(0)
    decoded = unescape(ref)
    # Not a reference at all (decoded unchanged), or one that shows something: keep it.
    return ref if decoded == ref or clean_text(decoded) else ""


def _demote_headings(html: str) -> str:
    """Map h1–h2 to h3 and h3–h6 to h4."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{3 if m.group(2) in '12' else 4}>", html)


# A link's attributes as bleach's linkifier hands them over: (namespace, name) -> value.
LinkAttrs = MutableMapping[tuple[str | None, str], str]


def _link_rel(attrs: LinkAttrs, new: bool = False) -> LinkAttrs | None:
    """Mark every link nofollow noopener; drop links left without an href."""
    href_key = (None, "href")
    if href_key not in attrs:
        return None
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        # bleach drops a link whose callback returns None; its stubs say callbacks never do.
        lambda source: LinkifyFilter(source, callbacks=[_link_rel], skip_tags={"pre", "code"})  # type: ignore[list-item]
    ],
)


def render_markdown(source: str) -> str:
    """Render a writer's Markdown to HTML that is safe to put in any page, in a worker process."""
    source = clean_text(source)
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderError(
            f"Text is too long: {len(source)} characters, at most {MAX_SOURCE_CHARS}."
        )
    return WORKERS.render(source, RENDER_TIMEOUT)


def contains_link(html: str) -> bool:
    """Tell whether rendered HTML holds a link (typed or linkified from a bare address)."""
    return "<a " in html


def render_here(source: str) -> str:
    """Render and sanitise in this process: only the worker process calls this."""
    converter = _markdown()
    try:
        # reset() empties what the last source left (references, stashed HTML).
        raw = converter.reset().convert(source)
    except BaseException as exc:
        # A conversion cut off part-way leaves the parser's own state behind,
        # which reset() does not clear: the next source gets a new converter.
        _converters.clear()
        if isinstance(exc, RecursionError):
            raise RenderError(TOO_DEEP) from exc
        raise
    return _drop_invisible_references(_cleaner.clean(_demote_headings(raw))).strip()


_converters: list[markdown.Markdown] = []


def _markdown() -> markdown.Markdown:
    """The worker's one Markdown converter: building one per source was an eighth of a render."""
    if not _converters:
        _converters.append(markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html"))
    return _converters[0]


TOO_DEEP = "Text is nested too deeply to display; flatten the lists or quotes."
TOO_COMPLEX = (
    "Text is too complex to display quickly: it has a great many brackets or other markup. "
    "Simplify the links and brackets, or split it into several entries."
)
BUSY = "The server is busy rendering other entries; nothing was saved. Try again in a moment."
FAILED = "The text could not be rendered; simplify its markup and try again."


class WorkerFailed(Exception):
    """A worker process exited or could not start; it is gone."""


class WorkerTimeout(WorkerFailed):
    """A worker did not answer in time; it has been killed."""


class RenderWorker:
    """One worker process rendering one source at a time over a pipe, one JSON line each way."""

    def __init__(self) -> None:
        # Under gevent, subprocess and select are the cooperative ones: a
        # request waiting here lets every other request and socket run.
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._buffer = b""
        try:
            started = self._read_line(STARTUP_TIMEOUT)
        except WorkerTimeout as exc:
            raise WorkerFailed("the render worker did not start") from exc
        if started != b"ready":
            self.stop()
            raise WorkerFailed("the render worker did not start")

    def render(self, source: str, timeout: float) -> dict:
        """Send one source; return the worker's answer, or kill it after timeout seconds."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps({"source": source}).encode() + b"\n")
            self.process.stdin.flush()
        except OSError as exc:
            self.stop()
            raise WorkerFailed("the render worker exited") from exc
        return json.loads(self._read_line(timeout))

    def _read_line(self, timeout: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.stop()
                raise WorkerTimeout(f"no answer within {timeout} s")
            chunk = _read_ready(fd)
            if chunk == b"":
                self.stop()
                raise WorkerFailed("the render worker exited")
            self._buffer += chunk or b""
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the process, reap it and close its pipes."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def _read_ready(fd: int) -> bytes | None:
    """Read what the pipe holds; None when a non-blocking pipe (gevent's) had nothing after all."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None


class WorkerPool:
    """At most `size` worker processes, started when first needed, replaced when lost."""

    def __init__(self, size: int) -> None:
        # None stands for a worker not started yet (or lost): taking one is
        # the right to start it, so there are never more than size processes.
        # Last in, first out: a running worker is taken before one is started.
        self._idle: queue.LifoQueue[RenderWorker | None] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(None)

    def render(self, source: str, timeout: float) -> str:
        """The sanitised HTML of source, rendered by a free worker within timeout seconds."""
        try:
            worker = self._idle.get(timeout=QUEUE_TIMEOUT)
        except queue.Empty as exc:
            raise RenderError(BUSY) from exc
        try:
            if worker is None or not worker.alive():
                worker = RenderWorker()
            answer = worker.render(source, timeout)
        except WorkerTimeout as exc:
            worker = None
            raise RenderError(TOO_COMPLEX) from exc
        except WorkerFailed as exc:
            worker = None
            raise RenderError(FAILED) from exc
        finally:
            self._idle.put(worker)
        if "error" in answer:
            raise RenderError(TOO_DEEP if answer["error"] == "too_deep" else FAILED)
        return answer["html"]

    def close(self) -> None:
        """Stop the idle workers (at exit; a test's own pool when it is done)."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            if worker is not None:
                worker.stop()


WORKERS = WorkerPool(RENDER_WORKERS)
atexit.register(WORKERS.close)
