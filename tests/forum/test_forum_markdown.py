"""User text is rendered from Markdown and never carries executable markup."""

import re
from urllib.parse import urlsplit

import pytest

from portal.core.markdown import render_markdown

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)><circle r=1></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "[clique](javascript:alert(1))",
    "[clique](JaVaScRiPt:alert(1))",
    "[clique](javascript&#58;alert(1))",
    "[clique](&#106;avascript:alert(1))",
    "[clique](%6Aavascript:alert(1))",
    "[clique](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](https://tracker.example/pixel.png)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">x</p>',
    "<<script>script>alert(1)<</script>/script>",
    "```html\n<script>alert(1)</script>\n```",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "[x](<javascript:alert(1)>)",
    "<",
    "**sem fechar [link](http://",
    "\x00<script>\x00",
]

DANGEROUS = re.compile(
    r"<\s*(script|iframe|svg|img|math|object|embed|style|div)|\son\w+\s*=|javascript:|vbscript:|data:",
    re.IGNORECASE,
)


@pytest.mark.parametrize("payload", XSS)
def test_no_executable_markup_survives_rendering(payload):
    html = str(render_markdown(payload))
    tags = re.findall(r"<[^>]+>", html)  # only real tags: escaped text (&lt;…) is harmless
    for tag in tags:
        assert not DANGEROUS.search(tag), (payload, html)
        href = re.search(r'href="([^"]*)"', tag)
        if href:
            # A browser only runs a URL whose scheme it recognises; "%6Aavascript:" is relative.
            assert urlsplit(href.group(1)).scheme in {"", "http", "https", "mailto"}, html


def test_links_keep_http_https_and_mailto_with_safe_rel():
    html = str(render_markdown("[a](https://gov.br) [b](http://x.example) [c](mailto:a@b.gov.br)"))
    assert html.count('rel="noopener noreferrer nofollow"') == 3
    assert 'href="https://gov.br"' in html and 'href="mailto:a@b.gov.br"' in html


def test_common_markdown_is_rendered():
    html = str(render_markdown("**negrito** e *itálico*\n\n- um\n- dois\n\n> citação\n\n`código`"))
    for fragment in (
        "<strong>negrito</strong>",
        "<em>itálico</em>",
        "<li>um</li>",
        "<blockquote>",
        "<code>código</code>",
    ):
        assert fragment in html


def test_empty_and_broken_markdown_never_raise():
    assert str(render_markdown(None)) == ""
    assert "[" in str(render_markdown("[[[[(((("))
