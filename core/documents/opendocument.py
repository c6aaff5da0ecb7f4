"""OpenDocument files (LibreOffice and others): the archive, its XML, and text documents (.odt).

Read with lxml rather than odfpy: odfpy builds a DOM of its own with no notion of pages or
cell positions, so the walking would be ours either way; lxml parses the same XML in C,
streams large spreadsheets (see sheets.py) and refuses entity tricks. LibreOffice records
where each page began when it saved the file (``text:soft-page-break``), so ODT citations
can name a page, as DOCX ones do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from core.documents.archive import open_archive, read_member
from core.documents.extraction import Extraction, Source, join_pages
from core.documents.model import DocumentError

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
PRESENTATION = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"

# Parts of the text that are not body text: comments, tracked deletions, note bodies.
_SKIPPED = {
    f"{OFFICE}annotation", f"{OFFICE}annotation-end", f"{TEXT}tracked-changes",
    f"{TEXT}note", f"{TEXT}bookmark-ref", f"{TEXT}sequence-decls",
}  # fmt: skip
_SOFT_BREAK = f"{TEXT}soft-page-break"
PAGE_MARK, SOFT_MARK = "\ue010", "\ue011"


def xml_parser() -> etree.XMLParser:
    """No entities, no network, no gigantic text nodes: XML from a stranger's file."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def open_odf(data: bytes, name: str, what: str) -> zipfile.ZipFile:
    archive = open_archive(data, name, what)
    try:
        manifest = (
            archive.read("META-INF/manifest.xml") if _has(archive, "META-INF/manifest.xml") else b""
        )
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {what} ({exc}).") from exc
    if b"encryption-data" in manifest:
        raise DocumentError(
            "encrypted",
            f"{name} is password-protected; save a copy without a password to read it.",
            name,
        )
    return archive


def parse_part(archive: zipfile.ZipFile, part: str, name: str, what: str) -> Any:
    """The root element of one XML part of the archive."""
    data = read_member(archive, part, name, what)
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {what} ({exc}).") from exc


def inline_text(element: Any) -> str:
    """The text of a paragraph-like element, with ODF's spaces, tabs and line breaks."""
    return "".join(piece for piece in _inline(element) if piece != SOFT_MARK)


def _inline(element: Any) -> Iterator[str]:
    if element.text:
        yield element.text
    for child in element:
        tag = child.tag
        if tag == f"{TEXT}s":
            yield " " * min(int(child.get(f"{TEXT}c", "1") or 1), 100)
        elif tag == f"{TEXT}tab":
            yield "\t"
        elif tag == f"{TEXT}line-break":
            yield "\n"
        elif tag == _SOFT_BREAK:
            yield SOFT_MARK
        elif tag not in _SKIPPED and isinstance(tag, str):
            yield from _inline(child)
        if child.tail:
            yield child.tail


def load_odt(data: bytes, source: Source) -> Extraction:
    name, what = source.name, "OpenDocument text file"
    archive = open_odf(data, name, what)
    content = parse_part(archive, "content.xml", name, what)
    breaking = _page_breaking_styles(content)
    if _has(archive, "styles.xml"):
        breaking |= _page_breaking_styles(parse_part(archive, "styles.xml", name, what))
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise DocumentError("corrupt", f"{name} is not a valid {what}: it has no text body.")
    pages: list[list[str]] = [[]]
    has_text = False
    rendered = False
    for piece in blocks(body, breaking):
        if piece in (PAGE_MARK, SOFT_MARK):
            rendered = rendered or piece == SOFT_MARK
            # A recorded page start right after a typed break is the same page.
            if piece == PAGE_MARK or has_text:
                pages.append([])
                has_text = False
        elif piece.strip():
            pages[-1].append(piece)
            has_text = True
    parts = ["\n\n".join(blocks_) for blocks_ in pages]
    if not any(parts):
        raise DocumentError("empty", f"{name} has no text in it.", name)
    text, page_list = join_pages(parts)
    warnings = []
    if len(parts) > 1 and not rendered:
        warnings.append(
            "Page numbers count the page breaks typed into the document; "
            "the document may be laid out on more pages."
        )
    return Extraction(text, page_list, warnings)


def blocks(element: Any, breaking: set[str], depth: int = 0) -> Iterator[str]:
    """Blocks of text (headings marked, lists as items, tables as rows) and page marks."""
    for child in element:
        tag = child.tag
        if tag == _SOFT_BREAK:
            yield SOFT_MARK
        elif tag in (f"{TEXT}p", f"{TEXT}h"):
            style = child.get(f"{TEXT}style-name", "")
            if style in breaking:
                yield PAGE_MARK
            prefix = ""
            if tag == f"{TEXT}h":
                level = min(6, max(1, int(child.get(f"{TEXT}outline-level", "1") or 1)))
                prefix = "#" * level + " "
            line: list[str] = []
            for piece in _inline(child):
                if piece == SOFT_MARK:
                    yield _strip(prefix, line)
                    prefix = ""
                    line = []
                    yield SOFT_MARK
                else:
                    line.append(piece)
            yield _strip(prefix, line)
        elif tag == f"{TEXT}list":
            for item in child.iter(f"{TEXT}list-item", _SOFT_BREAK):  # nested items too
                if item.tag == _SOFT_BREAK:
                    yield SOFT_MARK
                    continue
                paragraphs = [p for p in item if p.tag in (f"{TEXT}p", f"{TEXT}h")]
                text = " ".join(" ".join(inline_text(p).split()) for p in paragraphs).strip()
                if text:
                    yield "- " + text
        elif tag == f"{TABLE}table":
            yield from table_text(child)
        elif tag not in _SKIPPED and isinstance(tag, str) and depth < 50:
            yield from blocks(child, breaking, depth + 1)  # sections, frames, text boxes


def table_text(table: Any) -> Iterator[str]:
    """A text-document table as "cell | cell" rows, the first row underlined; a page that
    starts inside the table splits it there."""
    lines: list[str] = []
    underlined = False
    for row in table.iter(f"{TABLE}table-row", _SOFT_BREAK):
        cells = (
            []
            if row.tag == _SOFT_BREAK
            else [
                " ".join(inline_text(cell).split())
                for cell in row
                if cell.tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell")
            ]
        )
        if row.tag == _SOFT_BREAK or any(piece == SOFT_MARK for piece in _inline(row)):
            yield "\n".join(lines)
            lines = []
            yield SOFT_MARK
        if any(cells):
            lines.append(" | ".join(cells))
            if not underlined:
                lines.append(" | ".join(["---"] * len(cells)))
                underlined = True
    if len(lines) == 2 and lines[1].startswith("---") and underlined:
        lines.pop()  # a one-row table has no header to underline
    yield "\n".join(lines)


def _strip(prefix: str, line: list[str]) -> str:
    text = "".join(line).strip()
    return prefix + text if text else ""


def _page_breaking_styles(root: Any) -> set[str]:
    """Paragraph styles that start a new page (``fo:break-before="page"``)."""
    names: set[str] = set()
    for style in root.iter(f"{STYLE}style"):
        properties = style.find(f"{STYLE}paragraph-properties")
        if properties is not None and properties.get(f"{FO}break-before") == "page":
            names.add(style.get(f"{STYLE}name", ""))
    return names


def _has(archive: zipfile.ZipFile, member: str) -> bool:
    try:
        archive.getinfo(member)
    except KeyError:
        return False
    return True
