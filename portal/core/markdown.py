"""User text: Markdown (CommonMark, raw HTML off) rendered, then sanitised with nh3.

Only :func:`render_markdown` output may be marked safe in templates.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Images would let a post load third-party URLs (tracking) or data: payloads.
_md.disable("image")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown → safe HTML. Never raises on malformed input."""
    html = _md.render(text or "")
    return Markup(sanitise_html(html))  # noqa: S704 - sanitised above
