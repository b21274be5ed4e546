"""Fill a fresh benchmark database through Showfloor's own actions and print what was made.

An event with a live blog (prefilled with entries, so catch-up and page figures see a
real change table), a scheduled and an ended blog for the hub, an editor, and reporters
with API tokens. Run in the project's virtual environment with SHOWFLOOR_DATABASE_URL
pointing at an empty database; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from datetime import date
from pathlib import Path

# The checkout this file is in, not whichever Showfloor the environment installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EVENT_SLUG = "bench-show"
BLOG_SLUG = "keynote"
EDITOR = "editor@bench.test"
# About 1 KiB of ordinary Markdown: a paragraph, emphasis, a link.
ENTRY_SOURCE = (
    "The keynote opens with **network slicing** for the venue itself: every hall gets its "
    "own slice, and the speaker shows live throughput on the big screen. "
) * 6 + "More at [the programme](https://example.org/programme)."


def entry_source(n: int) -> str:
    """The Markdown of the n-th benchmark entry (distinct, about 1 KiB)."""
    return f"Update {n}. {ENTRY_SOURCE}"


def _people(actions, Role, event, reporters: int) -> tuple:
    password = secrets.token_urlsafe(12)
    editor = actions.create_user(EDITOR, "Bench editor", password, Role.EDITOR)
    tokens = []
    for n in range(reporters):
        user = actions.create_user(f"r{n}@bench.test", f"Reporter {n}", password, Role.REPORTER)
        actions.assign_user(user, event)
        tokens.append(actions.create_api_token(user, "bench"))
    return editor, tokens


def _prefill(actions, reporter, editor, blog_id: int, count: int) -> None:
    for n in range(count):
        is_key = n % 50 == 0
        data = actions.EntryInput(kind="text", source=entry_source(n), is_key=is_key)
        # Only editors mark key moments; the reporter writes the rest.
        actions.post_entry(editor if is_key else reporter, blog_id, data, f"prefill-{n}")


def seed(reporters: int, prefill: int) -> dict:
    """Create the event, blogs, accounts and entries; return ids, slugs and tokens."""
    from blog import actions, create_app
    from blog.content import queries
    from blog.models import BlogStatus, Role
    from blog.platform.migrate import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        event = actions.create_event(
            EVENT_SLUG, "Bench Show", date(2027, 3, 1), date(2027, 3, 4), "Europe/Madrid"
        )
        editor, tokens = _people(actions, Role, event, reporters)
        blogs = [actions.create_blog(event, slug, title) for slug, title in _BLOGS]
        for blog, status in zip(blogs, (BlogStatus.LIVE, None, BlogStatus.ENDED), strict=True):
            if status is not None:
                actions.set_blog_status(editor, blog.id, status)
        reporter = queries.user_by_email("r0@bench.test")
        _prefill(actions, reporter, editor, blogs[0].id, prefill)
        live = queries.blog_by_id(blogs[0].id)
        return {
            "event_slug": EVENT_SLUG,
            "blog_id": live.id,
            "blog_slug": live.slug,
            "last_seq": live.last_seq,
            "entries": prefill,
            "tokens": tokens,
        }


_BLOGS = (
    (BLOG_SLUG, "Opening keynote"),
    ("hall-3", "Hall 3 floor walk"),
    ("day-0", "Day 0 press conference"),
)


def main() -> None:
    """Seed and print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reporters", type=int, default=20)
    parser.add_argument("--prefill", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(seed(args.reporters, args.prefill)))


if __name__ == "__main__":
    main()
