"""The XSS corpus: hostile inputs a writer might type, by theme, each under a unique name."""

from .elements import ELEMENTS
from .invisible import INVISIBLE
from .markdown_syntax import MARKDOWN
from .mutation import MUTATION
from .schemes import SCHEMES

_THEMES = {
    "scheme": SCHEMES,
    "element": ELEMENTS,
    "mutation": MUTATION,
    "markdown": MARKDOWN,
    "invisible": INVISIBLE,
}

# "theme: name" -> source; the key is the test id.
VECTORS: dict[str, str] = {
    f"{theme}: {name}": source for theme, table in _THEMES.items() for name, source in table.items()
}
