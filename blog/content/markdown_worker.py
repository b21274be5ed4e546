"""Render Markdown read from stdin in a separate process, so a slow input can be cut off.

Run by file path (not as part of the package) so it starts fast: it imports
nothing of Showfloor, only Python-Markdown. Input: a JSON object with
"source" and "extensions"; output: the raw HTML on stdout.
"""

import json
import sys

import markdown


def main() -> None:
    """Read the job, render it, write the HTML; exit 3 when nesting is too deep."""
    job = json.load(sys.stdin)
    try:
        html = markdown.markdown(job["source"], extensions=job["extensions"], output_format="html")
    except RecursionError:
        sys.exit(3)
    sys.stdout.write(html)


if __name__ == "__main__":
    main()
