"""Markdown to safe HTML for module pages.

markdown-it-py with raw HTML off, tables, footnotes, callout boxes (::: catatan / contoh /
perhatian), heading anchors with a table of contents, figures with captions and [[glossary]]
links; the result is sanitised with nh3 so no script, event handler, htmx attribute, style or
javascript: link can survive, whatever the Markdown says.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from courses.model import CALLOUTS

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# markdown-it and nh3 are imported where they are used: a web worker that only serves stored
# HTML never loads them (memory per worker is budgeted).

# Raised whenever the HTML produced for the same Markdown changes; stored HTML made by an older
# renderer is rendered again by `lms courses sync`.
RENDERER_VERSION = 2

ALLOWED_TAGS = {
    "a", "abbr", "aside", "blockquote", "br", "caption", "code", "del", "div", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "s", "section",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading", "decoding"},
    # The renderer's own scroll box around tables (Markdown cannot produce raw HTML).
    "div": {"tabindex", "role", "aria-label"},
    "th": {"scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
ALIGN_CLASS = {"left": "ta-left", "center": "ta-center", "right": "ta-right"}

ImageUrl = Callable[[str], str]
TermUrl = Callable[[str], str | None]


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[Heading, ...]
    terms_used: tuple[str, ...]


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "bagian"


def _glossary_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2)
    if end < 0:
        return False
    term = src[pos + 2 : end]
    if not term.strip() or "\n" in term or "[" in term or len(term) > 80:
        return False
    if not silent:
        token = state.push("glossary", "", 0)
        token.content = term.strip()
    state.pos = end + 2
    return True


def _callout_renderer(kind: str) -> Callable[..., str]:
    label = CALLOUTS[kind]

    def render(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        if tokens[idx].nesting == 1:
            return f'<aside class="callout callout-{kind}"><p class="callout-title">{label}</p>\n'
        return "</aside>\n"

    return render


def _figures_and_alignment(state: Any) -> None:
    """A paragraph holding one titled image becomes a figure; table alignment becomes a class."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type in ("th_open", "td_open"):
            style = token.attrGet("style") or ""
            match = re.search(r"text-align:(\w+)", str(style))
            if match:
                token.attrs.pop("style", None)
                token.attrSet("class", ALIGN_CLASS.get(match.group(1), ""))
        if (
            token.type == "paragraph_open"
            and i + 2 < len(tokens)
            and tokens[i + 1].type == "inline"
            and tokens[i + 2].type == "paragraph_close"
        ):
            children = [c for c in tokens[i + 1].children or [] if c.type != "softbreak"]
            if len(children) == 1 and children[0].type == "image" and children[0].attrGet("title"):
                token.hidden = True
                tokens[i + 2].hidden = True
                children[0].meta["figure"] = True


def _render_glossary(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    term = tokens[idx].content
    env.setdefault("terms", []).append(term)
    url = env["term_url"](term)
    if url is None:
        return f'<span class="istilah">{html.escape(term)}</span>'
    return f'<a class="istilah" href="{html.escape(url)}">{html.escape(term)}</a>'


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = env["image_url"](str(token.attrGet("src") or ""))
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    title = str(token.attrGet("title") or "")
    img = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" loading="lazy" decoding="async">'
    if token.meta.get("figure"):
        return f"<figure>{img}<figcaption>{html.escape(title)}</figcaption></figure>\n"
    return img


def _render_table_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # A wide table scrolls sideways on a phone; the box can take focus to scroll by keyboard.
    box = '<div class="table-scroll" tabindex="0" role="region" aria-label="Tabel">'
    return box + renderer.renderToken(tokens, idx, options, env)


def _render_table_close(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return renderer.renderToken(tokens, idx, options, env) + "</div>\n"


class ModuleRenderer:
    """One configured parser; `render()` is cheap to call for every module."""

    def __init__(self) -> None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.anchors import anchors_plugin
        from mdit_py_plugins.container import container_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.use(footnote_plugin)
        for kind in CALLOUTS:
            md.use(container_plugin, name=kind, render=_callout_renderer(kind))
        md.use(anchors_plugin, min_level=2, max_level=3, slug_func=slugify)
        md.inline.ruler.before("link", "glossary", _glossary_rule)
        md.core.ruler.push("figures_and_alignment", _figures_and_alignment)
        md.add_render_rule("glossary", _render_glossary)
        md.add_render_rule("image", _render_image)
        md.add_render_rule("table_open", _render_table_open)
        md.add_render_rule("table_close", _render_table_close)
        self.md = md

    def render(
        self,
        markdown: str,
        *,
        image_url: ImageUrl = lambda name: name,
        term_url: TermUrl = lambda term: None,
    ) -> Rendered:
        env: dict[str, Any] = {"image_url": image_url, "term_url": term_url}
        tokens = self.md.parse(markdown, env)
        toc = tuple(
            Heading(int(tok.tag[1]), str(tok.attrGet("id")), tokens[i + 1].content)
            for i, tok in enumerate(tokens)
            if tok.type == "heading_open" and tok.tag in ("h2", "h3") and tok.attrGet("id")
        )
        raw = self.md.renderer.render(tokens, self.md.options, env)
        return Rendered(html=sanitize(raw), toc=toc, terms_used=tuple(env.get("terms", [])))


def sanitize(raw_html: str) -> str:
    import nh3

    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_default: ModuleRenderer | None = None


def render_markdown(
    markdown: str, *, image_url: ImageUrl = lambda n: n, term_url: TermUrl = lambda t: None
) -> Rendered:
    global _default
    if _default is None:
        _default = ModuleRenderer()
    return _default.render(markdown, image_url=image_url, term_url=term_url)
