"""Answer text to HTML for a QTextBrowser: Markdown, with ``[n]`` markers as citation links.

Answers are split into segments: Markdown rendered as HTML, and top-level code blocks kept
as plain code (the card shows those in their own scrollable view with a copy button).

Headings are never shown large. A model often pastes document text into an answer, and a
document line such as ``## Totals`` or ``# 1.`` is not the answer's structure, so:

- a heading in the answer itself is shown as a bold line of normal size;
- a heading inside a quote (``> ## Totals``) is shown as the literal text, ``#`` marks
  included, in the quote's style.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtGui import QFontDatabase, QPalette

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_MARKER = re.compile(r"\[(\d{1,3})\](?!\()")


@dataclass(frozen=True, slots=True)
class MarkdownColors:
    """The colours an answer is drawn with; made from the app's palette by ``colors_for``."""

    link: str = "#5b5bd6"
    muted: str = "#6b6e7b"
    grid: str = "#cfd0da"  # table lines
    header: str = "#f1f1f5"  # table header row
    code: str = "#f3f3f7"  # code background
    quote_bar: str = "#c9c9d6"
    mono: str = "monospace"  # font family for code


LIGHT = MarkdownColors()


def colors_for(palette: QPalette) -> MarkdownColors:
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    link = palette.color(QPalette.ColorRole.Link).name()
    if dark:
        return MarkdownColors(link, "#9a9ca8", "#4a4b55", "#2e2f36", "#1a1b20", "#55566a", mono)
    return MarkdownColors(link, LIGHT.muted, LIGHT.grid, LIGHT.header, LIGHT.code, "#c9c9d6", mono)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of Markdown as ``html``, or one top-level code block as ``code`` (exact text)."""

    kind: Literal["html", "code"]
    content: str
    language: str = ""


def answer_segments(
    text: str, citation_count: int = 0, colors: MarkdownColors = LIGHT
) -> list[Segment]:
    """``text`` as HTML segments and code segments, in order."""
    _md = _markdown()
    tokens = _md.parse(text)
    _mark_quoted(tokens)
    env = {"colors": colors}
    segments: list[Segment] = []
    run: list[Token] = []

    def flush() -> None:
        if run:
            body = _md.renderer.render(run, _md.options, env).strip()
            segments.append(Segment("html", _link_markers(body, citation_count, colors.link)))
            run.clear()

    for token in tokens:
        if token.type in ("fence", "code_block") and token.level == 0:
            flush()
            language = token.info.split()[0] if token.info.strip() else ""
            segments.append(Segment("code", _code_text(token), language))
        else:
            run.append(token)
    flush()
    return segments


def render_markdown(text: str, citation_count: int = 0, colors: MarkdownColors = LIGHT) -> str:
    """All of ``text`` as one HTML string, code blocks included."""
    _md = _markdown()
    tokens = _md.parse(text)
    _mark_quoted(tokens)
    body = _md.renderer.render(tokens, _md.options, {"colors": colors})
    return _link_markers(body, citation_count, colors.link)


def _code_text(token: Token) -> str:
    return token.content[:-1] if token.content.endswith("\n") else token.content


def _mark_quoted(tokens: list[Token]) -> None:
    depth = 0
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type in ("heading_open", "heading_close", "paragraph_open"):
            token.meta["quoted"] = depth > 0


# ----------------------------------------------------------------- render rules


def _colors(env: Any) -> MarkdownColors:
    return env.get("colors", LIGHT) if isinstance(env, dict) else LIGHT


_QUOTED_LINE = '<p style="margin-top:0px; margin-bottom:4px">'


def _paragraph_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    # Quoted document lines sit close together, as in the document.
    if tokens[idx].meta.get("quoted") and not tokens[idx].hidden:
        return _QUOTED_LINE
    return str(self.renderToken(tokens, idx, options, env))


def _heading_open(_self: Any, tokens: list[Token], idx: int, _options: Any, _env: Any) -> str:
    token = tokens[idx]
    if token.meta.get("quoted"):
        # Document text: the "#" marks stay visible, nothing grows.
        marks = html.escape(token.markup) + " " if token.markup.startswith("#") else ""
        return _QUOTED_LINE + marks
    return '<p style="margin-top:10px"><b>'


def _heading_close(_self: Any, tokens: list[Token], idx: int, _options: Any, _env: Any) -> str:
    return "</p>\n" if tokens[idx].meta.get("quoted") else "</b></p>\n"


def _table_open(_self: Any, _tokens: list[Token], _idx: int, _options: Any, env: Any) -> str:
    grid = _colors(env).grid
    return (
        f'<table border="1" cellspacing="0" cellpadding="6" '
        f'style="border-collapse:collapse; border-color:{grid}; border-style:solid; '
        f'margin-top:6px; margin-bottom:6px">\n'
    )


def _cell_open(_self: Any, tokens: list[Token], idx: int, _options: Any, env: Any) -> str:
    token = tokens[idx]
    align = str(token.attrs.get("style", "text-align:left")).removeprefix("text-align:")
    if token.tag == "th":
        return f'<th align="{align}" bgcolor="{_colors(env).header}">'
    return f'<td align="{align}">'


def _code_inline(_self: Any, tokens: list[Token], idx: int, _options: Any, env: Any) -> str:
    c = _colors(env)
    return (
        f"<code style=\"background-color:{c.code}; font-family:'{c.mono}'\">"
        f"{html.escape(tokens[idx].content)}</code>"
    )


def _code_block(_self: Any, tokens: list[Token], idx: int, _options: Any, env: Any) -> str:
    # A code block inside a list or a quote: wrapped, on the code background.
    c = _colors(env)
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" bgcolor="{c.code}" '
        f'style="margin-top:4px; margin-bottom:4px"><tr><td>'
        f"<pre style=\"white-space:pre-wrap; font-family:'{c.mono}'\">"
        f"{html.escape(_code_text(tokens[idx]))}</pre></td></tr></table>\n"
    )


def _blockquote_open(_self: Any, _tokens: list[Token], _idx: int, _options: Any, env: Any) -> str:
    c = _colors(env)
    return (
        f'<table cellspacing="0" cellpadding="0" style="margin-top:4px; margin-bottom:4px">'
        f'<tr><td width="3" bgcolor="{c.quote_bar}"></td><td width="10"></td>'
        f'<td style="color:{c.muted}">'
    )


def _blockquote_close(*_args: Any) -> str:
    return "</td></tr></table>\n"


@cache
def _markdown() -> MarkdownIt:
    """The parser, built on first use: markdown-it loads in a tenth of a second, after the
    window is drawn rather than before."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


_RULES = {
    "paragraph_open": _paragraph_open,
    "heading_open": _heading_open,
    "heading_close": _heading_close,
    "table_open": _table_open,
    "th_open": _cell_open,
    "td_open": _cell_open,
    "code_inline": _code_inline,
    "fence": _code_block,
    "code_block": _code_block,
    "blockquote_open": _blockquote_open,
    "blockquote_close": _blockquote_close,
}


def _link_markers(body: str, citation_count: int, link_color: str) -> str:
    """``[n]`` with 1 <= n <= citation_count, outside code, becomes a ``cite:n`` link."""
    if not citation_count:
        return body

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= citation_count:
            return match.group(0)
        style = f' style="color:{link_color}; text-decoration:none"' if link_color else ""
        return f'<a href="cite:{n}"{style}><sup>[{n}]</sup></a>'

    # Only in text outside tags and code: split on tags and rewrite the text parts.
    out: list[str] = []
    in_code = 0
    for part in re.split(r"(<[^>]+>)", body):
        if part.startswith("<"):
            if re.match(r"<(code|pre)\b", part):
                in_code += 1
            elif re.match(r"</(code|pre)>", part):
                in_code = max(0, in_code - 1)
            out.append(part)
        else:
            out.append(part if in_code else _MARKER.sub(link, part))
    return "".join(out)


def highlight_quote(page_text: str, start: int | None, end: int | None, color: str) -> str:
    """The page as HTML with the span [start, end) highlighted and anchored as ``quote``."""
    if start is None or end is None or not 0 <= start < end <= len(page_text):
        return _plain(page_text)
    before, quote, after = page_text[:start], page_text[start:end], page_text[end:]
    return (
        _plain(before)
        + f'<a name="quote"></a><span style="background:{color}; color:#1c1d21">'
        + _plain(quote)
        + "</span>"
        + _plain(after)
    )


def _plain(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
