"""Model output as HTML: markdown rendered once when a run ends, highlighted, then sanitized.

Model output is untrusted. Raw HTML in it is shown as text, links keep only safe schemes, and
images are never loaded: they become plain links the user may choose to open, so an answer
steered by a prompt injection cannot send the conversation to another host in an image URL.
"""

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_formatter = HtmlFormatter(nowrap=True, classprefix="hl-")

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "span",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


def _highlight(code: str, lang: str, attrs) -> str:
    try:
        lexer = get_lexer_by_name(lang.strip().split()[0]) if lang.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _formatter)


def _image_as_link(self, tokens, idx, options, env):
    token = tokens[idx]
    alt = "".join(child.content for child in token.children or []) or "image"
    src = token.attrGet("src") or ""
    return f'<a class="md-image" href="{escapeHtml(src)}" title="Image not loaded: open it only if you trust it">[image: {escapeHtml(alt)}]</a>'


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight}).enable(["table", "strikethrough"])
_md.add_render_rule("image", _image_as_link)


def render_markdown(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
