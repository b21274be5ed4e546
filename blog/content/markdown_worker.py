"""The render worker: a process that renders and sanitises Markdown, one source per line.

Run by file path (not as part of the package) so it starts fast: it loads
blog/content/rendering.py alone, which imports nothing of Showfloor. The
server kills it when a source takes too long (see rendering.WorkerPool).
Protocol: "ready" once started; then for each line {"source": ...} read from
stdin, one line {"html": ...} or {"error": "too_deep" | "failed"} on stdout.
"""

import importlib.util
import json
import sys
from pathlib import Path


def load_rendering():
    """Load rendering.py from beside this file without importing the blog package."""
    spec = importlib.util.spec_from_file_location(
        "showfloor_rendering", Path(__file__).with_name("rendering.py")
    )
    if spec is None or spec.loader is None:  # only for a path that is not a Python file
        raise ImportError("rendering.py cannot be loaded from beside the render worker.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(rendering, line: bytes) -> dict:
    """Render one job line into the answer object."""
    try:
        return {"html": rendering.render_here(json.loads(line)["source"])}
    except rendering.RenderError:
        return {"error": "too_deep"}
    except Exception:  # noqa: BLE001 - the server only needs to know it failed
        return {"error": "failed"}


def main() -> None:
    """Say ready, then answer each job line until the server closes the pipe."""
    rendering = load_rendering()
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        out.write(json.dumps(answer(rendering, line)).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
