"""Script-bearing URL schemes (javascript:, vbscript:, data:) hidden from a naive allowlist check.

Written for Showfloor after the scheme-obfuscation rows of the OWASP XSS filter evasion
cheat sheet and bleach's advisories: mixed case, character references with and without
semicolons or padding zeros, whitespace and control characters the URL parser skips,
invisible characters, and the same URLs as Markdown links, references, images and raw HTML.
"""

SCHEMES = {
    # Markdown inline links.
    "md js plain": "[x](javascript:alert(1))",
    "md js upper": "[x](JAVASCRIPT:alert(1))",
    "md js mixed case": "[x](jAvAsCrIpT:alert(1))",
    "md js leading spaces": "[x](   javascript:alert(1))",
    "md js angle form": "[x](<javascript:alert(1)>)",
    "md js with title": '[x](javascript:alert(1) "a title")',
    "md js comment newline": "[x](javascript://%0Aalert(1))",
    "md js encoded newline": "[x](javascript://comment&#x0A;alert(1))",
    "md js tab inside": "[x](java\tscript:alert(1))",
    "md js entity tab": "[x](java&#9;script:alert(1))",
    "md js entity cr": "[x](jav&#x0D;ascript:alert(1))",
    "md js decimal refs no semicolon": (
        "[x](&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1))"
    ),
    "md js hex refs": "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))",
    "md js padded decimal refs": "[x](&#0000106&#0000097vascript:alert(1))",
    "md js named colon": "[x](javascript&colon;alert(1))",
    "md js numeric colon": "[x](javascript&#58;alert(1))",
    "md js nul inside": "[x](java\x00script:alert(1))",
    "md js leading control": "[x](\x01javascript:alert(1))",
    "md js zero-width joiner": "[x](java\u200dscript:alert(1))",
    "md js zero-width ref": "[x](java&#x200b;script:alert(1))",
    "md js soft hyphen": "[x](java\u00adscript:alert(1))",
    "md js fullwidth colon": "[x](javascript\uff1aalert(1))",
    "md vbscript": "[x](vbscript:msgbox(1))",
    "md vbscript mixed": "[x](VbScRiPt:msgbox(1))",
    "md livescript": "[x](livescript:alert(1))",
    "md data html": "[x](data:text/html,<script>alert(1)</script>)",
    "md data base64": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md data upper spaced": "[x]( DATA:text/html,x)",
    "md data svg": "[x](data:image/svg+xml,<svg onload=alert(1)>)",
    "md file scheme": "[x](file:///etc/passwd)",
    # Images (there is no img in the allowlist: the URL must not come through any way).
    "img js": "![x](javascript:alert(1))",
    "img data svg": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "img vbscript": "![x](vbscript:msgbox(1))",
    # Raw HTML anchors.
    "a js": '<a href="javascript:alert(1)">x</a>',
    "a js unquoted": "<a href=javascript:alert(1)>x</a>",
    "a js single quotes": "<a href='javascript:alert(1)'>x</a>",
    "a js backticks": "<a href=`javascript:alert(1)`>x</a>",
    "a js entity colon": '<a href="javascript&#x3A;alert(1)">x</a>',
    "a js named colon": '<a href="javascript&colon;alert(1)">x</a>',
    "a js padded hex refs": '<a href="&#x0000006A;avascript:alert(1)">x</a>',
    "a js newline ref": '<a href="java&NewLine;script:alert(1)">x</a>',
    "a js tab ref": '<a href="java&Tab;script:alert(1)">x</a>',
    "a js leading form feed": '<a href="&#x0C;javascript:alert(1)">x</a>',
    "a js leading space ref": '<a href="&#32;javascript:alert(1)">x</a>',
    "a js trailing junk spaces": '<a href="  javascript:alert(1)  ">x</a>',
    "a js percent encoded scheme": '<a href="%6A%61vascript:alert(1)">x</a>',
    "a js invisible separator": '<a href="java\u2063script:alert(1)">x</a>',
    "a js bom prefix": '<a href="\ufeffjavascript:alert(1)">x</a>',
    "a vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "a data": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "a data ref colon": '<a href="data&#58;text/html,x">x</a>',
    "a double escaped": '<a href="&amp;#106;avascript:alert(1)">x</a>',
    # Bare text that linkify might turn into a link.
    "bare js": "javascript:alert(1)",
    "bare www with js": "www.example.com/javascript:alert(1)",
    "bare data": "data:text/html,<b>x</b>",
}
