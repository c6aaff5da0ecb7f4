"""Word (.docx) files: paragraphs in reading order, headings marked, tables as readable rows,
and pages where the file records them.

python-docx opens the package and resolves styles. The text of a paragraph is walked here,
not taken from ``Paragraph.text``, because that drops the page breaks inside it: the ones the
author typed (``w:br w:type="page"``, "page break before") and the ones Word wrote where it
laid out each page when the file was last saved (``w:lastRenderedPageBreak``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.documents.archive import open_archive, refuse_ole
from core.documents.extraction import Extraction, Source, join_pages
from core.documents.model import DocumentError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_T, _TAB, _BR, _CR, _HYPHEN = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"
_RENDERED_BREAK, _P, _TBL = f"{_W}lastRenderedPageBreak", f"{_W}p", f"{_W}tbl"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
# Subtrees without body text: properties, deleted text, drawings and text boxes (python-docx
# leaves text boxes out of a paragraph's text too), and alternative renderings of one thing.
_SKIPPED = {
    f"{_W}pPr", f"{_W}rPr", f"{_W}del", f"{_W}moveFrom", f"{_W}drawing", f"{_W}pict",
    f"{_W}object", f"{_MC}AlternateContent", f"{_W}instrText", f"{_W}delText",
}  # fmt: skip
_HEADING = re.compile(r"Heading (\d)")
_OFF = {"0", "false", "off"}

# Markers in a paragraph's walked text.
_TYPED_BREAK, _RENDERED = "\ue010", "\ue011"


def load_docx(data: bytes, source: Source) -> Extraction:
    name = source.name
    refuse_ole(data, name, "DOCX file", ".docx", "Word document (.doc)")
    open_archive(data, name, "DOCX file").close()  # refuses bombs before python-docx inflates
    try:
        document = docx.Document(io.BytesIO(data))
        pages = _Pages()
        body: Any = document._body
        for item in _body_items(body._element, body):
            if isinstance(item, Table):
                _add_table(pages, item)
            else:
                _add_paragraph(pages, item)
    except DocumentError:
        raise
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own errors
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise DocumentError(
            "corrupt", f"{name} is not a valid DOCX archive ({detail}).", name
        ) from exc
    parts = ["\n\n".join(blocks) for blocks in pages.pages]
    if not any(part.strip() for part in parts):
        raise DocumentError("empty", f"{name} has no text in it.", name)
    text, page_list = join_pages(parts)
    warnings = []
    if len(parts) > 1 and not pages.rendered:
        warnings.append(
            "Page numbers count the page breaks typed into the document; "
            "Word may lay it out on more pages."
        )
    return Extraction(text, page_list, warnings)


def _body_items(element: Any, parent: Any, depth: int = 0) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in order, including those inside content controls (w:sdt),
    where Word keeps cover pages, tables of contents and many templates' whole body."""
    for child in element:
        if child.tag == _P:
            yield Paragraph(child, parent)
        elif child.tag == _TBL:
            yield Table(child, parent)
        elif child.tag in (_SDT, _CUSTOM_XML) and depth < 20:
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from _body_items(content, parent, depth + 1)


class _Pages:
    """Blocks of text page by page, and whether a page has any text yet."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.has_text = False  # on the current page
        self.rendered = False  # the file records where Word laid out its pages

    def add(self, block: str) -> None:
        if block:
            self.pages[-1].append(block)
            self.has_text = self.has_text or not block.isspace()

    def typed_break(self) -> None:
        self.pages.append([])
        self.has_text = False

    def rendered_break(self) -> None:
        self.rendered = True
        # Word marks where a page began when it last laid the file out; right after a typed
        # break (or at the very start) that is the same page, not a new one.
        if self.has_text:
            self.typed_break()


def _add_paragraph(pages: _Pages, paragraph: Paragraph) -> None:
    element: Any = paragraph._p
    if _breaks_page_before(element):
        pages.typed_break()
    prefix = _prefix(paragraph)
    line: list[str] = []
    for piece in _walk(element):
        if piece in (_TYPED_BREAK, _RENDERED):
            _flush(pages, line, prefix)
            prefix = ""
            _page_break(pages, piece)
        else:
            line.append(piece)
    _flush(pages, line, prefix)


def _page_break(pages: _Pages, mark: str) -> None:
    if mark == _TYPED_BREAK:
        pages.typed_break()
    else:
        pages.rendered_break()


def _flush(pages: _Pages, line: list[str], prefix: str) -> None:
    text = "".join(line).strip()
    line.clear()
    if text:
        pages.add(prefix + text)


def _walk(element: Any) -> Iterator[str]:
    for child in element:
        tag = child.tag
        if tag == _T:
            yield child.text or ""
        elif tag == _TAB:
            yield "\t"
        elif tag == _CR:
            yield "\n"
        elif tag == _HYPHEN:
            yield "-"
        elif tag == _BR:
            kind = child.get(f"{_W}type")
            if kind == "page":
                yield _TYPED_BREAK
            elif kind in (None, "textWrapping"):
                yield "\n"
        elif tag == _RENDERED_BREAK:
            yield _RENDERED
        elif tag == _P:  # a paragraph inside a table cell
            yield from _walk(child)
            yield "\n"
        elif tag not in _SKIPPED and isinstance(tag, str):
            yield from _walk(child)


def _breaks_page_before(element: Any) -> bool:
    properties = element.find(f"{_W}pPr")
    flag = None if properties is None else properties.find(f"{_W}pageBreakBefore")
    return flag is not None and flag.get(f"{_W}val", "1").lower() not in _OFF


def _prefix(paragraph: Paragraph) -> str:
    style = _style_name(paragraph)
    heading = _HEADING.fullmatch(style)
    if heading:
        return "#" * int(heading.group(1)) + " "
    if style == "Title":
        return "# "
    if style.startswith("List"):
        return "- "
    return ""


def _style_name(paragraph: Paragraph) -> str:
    try:
        style: Any = paragraph.style
        return str(style.name) if style is not None and style.name else ""
    except (KeyError, ValueError, AttributeError):  # a style the styles part does not define
        return ""


def _add_table(pages: _Pages, table: Table) -> None:
    """Rows as "cell | cell"; the first row is the header, underlined. A row that Word began
    on a new page starts one here too."""
    lines: list[str] = []
    rows = table.rows
    underlined = len(rows) < 2
    for row in rows:
        cells: list[str] = []
        previous = None
        breaks: list[str] = []
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # a merged cell repeats
                continue
            previous = cell._tc
            pieces = list(_walk(cell._tc))
            breaks += [p for p in pieces if p in (_TYPED_BREAK, _RENDERED)]
            words = "".join(p for p in pieces if p not in (_TYPED_BREAK, _RENDERED)).split()
            cells.append(" ".join(words))
        if breaks and lines:
            pages.add("\n".join(lines))
            lines = []
        if breaks:
            _page_break(pages, breaks[0])
        if any(cells):
            lines.append(" | ".join(cells))
            if not underlined:
                lines.append(" | ".join(["---"] * len(cells)))
                underlined = True
    pages.add("\n".join(lines))
