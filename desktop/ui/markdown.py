"""Answer text to HTML for a QTextBrowser: Markdown, with ``[n]`` markers as citation links."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
_MARKER = re.compile(r"\[(\d{1,3})\](?!\()")


def render_markdown(text: str, citation_count: int = 0, link_color: str = "") -> str:
    """HTML for ``text``; ``[n]`` with 1 <= n <= citation_count links to ``cite:n``."""
    body = _md.render(text)
    if citation_count:

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
        body = "".join(out)
    return body


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
