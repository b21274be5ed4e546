"""The package's layout holds: the map names real files, no private name leaves its module,
and no two folders import each other."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "blog"


def _modules() -> dict[str, Path]:
    """Every module of blog/ by dotted name (a package by its own name)."""
    found = {}
    for path in BLOG.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] == "blog"
    ]


def _folder(module: str) -> str:
    """The folder a module sits in: blog.live.push -> blog/live; the factory -> blog."""
    return str(MODULES[module].parent.relative_to(ROOT))


def _imported_module(node: ast.ImportFrom, name: str) -> str:
    full = f"{node.module}.{name}"
    return full if full in MODULES else str(node.module)


def test_the_architecture_map_names_only_files_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:blog|static|templates|tests|bench)/[\w/.-]+\.\w+)`", text))
    assert named, "docs/architecture.md names no files"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_no_private_name_is_imported_from_another_module():
    crossing = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name} from {node.module}"
        for path in [*MODULES.values(), *ROOT.glob("tests/*.py"), ROOT / "app.py"]
        for node in _imports(path)
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert not crossing, "private names leave their module:\n" + "\n".join(crossing)


def test_no_two_folders_of_blog_import_each_other():
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for node in _imports(path):
            for alias in node.names:
                target = _imported_module(node, alias.name)
                if target in MODULES and _folder(target) != _folder(module):
                    edges[_folder(module)].add(_folder(target))
    # The factory (blog/__init__.py) and the CLI sit above every folder.
    edges.pop("blog", None)
    cycles = [(a, b) for a, targets in edges.items() for b in targets if _reaches(edges, b, a)]
    assert not cycles, f"folders that import each other (directly or through others): {cycles}"


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        if here not in seen:
            seen.add(here)
            todo.extend(edges.get(here, ()))
    return False
