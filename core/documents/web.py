"""HTML files: the text a browser would show, with paragraphs, lists and tables kept."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from core.documents.extraction import Extraction, Source, whole_text
from core.documents.model import DocumentError

_INVISIBLE = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object"]
_BLOCKS = [
    "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "figure", "form",
    "hr", "address", "details", "summary", "fieldset",
]  # fmt: skip
_LINES = ["li", "dt", "dd", "tr", "caption", "figcaption"]
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Private-use characters mark structure until whitespace is collapsed.
_PARAGRAPH, _LINE, _CELL = "\ue000", "\ue001", "\ue002"
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_CELL_RUN = re.compile(r" ?\ue002 ?")
_LINE_RUN = re.compile(r" ?\ue001 ?")
_PARAGRAPH_RUN = re.compile(r"[ \n]*\ue000[\ue000 \n]*")
_MANY_LINES = re.compile(r"\n{3,}")


def load_html(data: bytes, source: Source) -> Extraction:
    return whole_text(html_text(data, source.name))


def html_text(data: bytes | str, name: str, *, with_title: bool = True) -> str:
    """The visible text of an HTML (or XHTML) page, or DocumentError when it has none.

    The page's <title> leads the text unless ``with_title`` is false (e-book chapters, whose
    titles only repeat the book's name or the chapter heading).
    """
    # XHTML (e-book chapters) is read as HTML on purpose: browsers do, and bad markup survives.
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:
        raise DocumentError(
            "corrupt", f"{name} could not be parsed as HTML ({exc}).", name
        ) from exc
    title = soup.title.get_text(" ", strip=True) if soup.title and with_title else ""
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    for tag in soup.find_all("pre"):  # keep the line breaks of preformatted text
        for string in list(tag.strings):
            string.replace_with(string.replace("\n", _LINE))
    for tag in soup.find_all("br"):
        tag.replace_with(_LINE)
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before(_PARAGRAPH)
        tag.insert_after(_PARAGRAPH)
    for tag in soup.find_all(_LINES):
        tag.insert_before(_LINE)
    for tag in soup.find_all("li"):
        tag.insert(0, "- ")
    for row in soup.find_all("tr"):
        for cell in row.find_all(["td", "th"], recursive=False)[1:]:
            cell.insert_before(_CELL)
    text = _SPACES.sub(" ", soup.get_text())
    text = _CELL_RUN.sub(" | ", text)
    text = _LINE_RUN.sub("\n", text)
    text = _PARAGRAPH_RUN.sub("\n\n", text)
    text = _MANY_LINES.sub("\n\n", text).strip()
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}" if text else title
    if not text:
        raise DocumentError("empty", f"{name} has no visible text.", name)
    return text


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))
