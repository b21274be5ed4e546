"""Summarise a py-spy recording (run.py --profile writes collapsed stacks): where the time goes.

    .venv/bin/python bench/stacks.py PROFILE.txt [--top 25] [--match engineio]

Prints the share of samples spent in each frame itself (self) and under it (inclusive).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def summarise(path: Path) -> tuple[int, Counter, Counter]:
    """Total samples, and samples per frame: self and inclusive."""
    own, under, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, frames = int(count), stack.split(";")
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            under[frame] += n
    return total, own, under


def main() -> None:
    """Print the top frames of one recording."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only frames containing this text")
    args = parser.parse_args()
    total, own, under = summarise(args.profile)
    print(f"{total} samples")
    for title, counts in (("self", own), ("inclusive", under)):
        print(f"-- {title}")
        rows = [(f, n) for f, n in counts.most_common() if args.match in f][: args.top]
        for frame, n in rows:
            print(f"{100 * n / max(1, total):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
