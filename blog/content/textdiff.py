"""Word-level differences between two versions of an entry, for the revision history."""

from __future__ import annotations

import difflib
import re

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Pieces of text tagged "equal", "delete" or "insert" that turn old into new."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            pieces.append(("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("insert", "".join(b[j1:j2])))
        if tag == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
    return pieces


def history(revisions: list, current_source: str) -> list[dict]:
    """Each revision with the diff from it to the version that replaced it, newest first."""
    versions = [r.source for r in revisions] + [current_source]
    rows = [
        {"revision": rev, "diff": word_diff(rev.source, versions[n + 1])}
        for n, rev in enumerate(revisions)
    ]
    return list(reversed(rows))
