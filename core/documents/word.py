"""Word (.docx) files: paragraphs in reading order, headings marked, tables as readable rows."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.documents.extraction import Extraction, whole_text
from core.documents.model import DocumentError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_HEADING = re.compile(r"Heading (\d)")


def load_docx(data: bytes, name: str) -> Extraction:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise DocumentError(
                "encrypted",
                f"{name} is password-protected; save a copy without a password in Word to read it.",
                name,
            )
        raise DocumentError(
            "unsupported",
            f"{name} is an old-style Word document (.doc); save it as .docx to read it.",
            name,
        )
    if not data.startswith(b"PK"):
        raise DocumentError(
            "corrupt", f"{name} is not a valid DOCX file: it is not a ZIP archive.", name
        )
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = [_block_text(item) for item in document.iter_inner_content()]
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own errors
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise DocumentError(
            "corrupt", f"{name} is not a valid DOCX archive ({detail}).", name
        ) from exc
    text = "\n\n".join(block for block in blocks if block)
    if not text.strip():
        raise DocumentError("empty", f"{name} has no text in it.", name)
    return whole_text(text)


def _block_text(item: Paragraph | Table) -> str:
    if isinstance(item, Table):
        return _table_text(item)
    text = item.text.strip()
    if not text:
        return ""
    style = _style_name(item)
    heading = _HEADING.fullmatch(style)
    if heading:
        return "#" * int(heading.group(1)) + " " + text
    if style == "Title":
        return "# " + text
    if style.startswith("List"):
        return "- " + text
    return text


def _style_name(paragraph: Paragraph) -> str:
    try:
        style: Any = paragraph.style
        return str(style.name) if style is not None and style.name else ""
    except (KeyError, ValueError, AttributeError):  # a style the styles part does not define
        return ""


def _table_text(table: Table) -> str:
    """Rows as "cell | cell"; the first row is taken as the header and underlined."""
    lines: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # a merged cell repeats
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
            if len(lines) == 1 and len(table.rows) > 1:
                lines.append(" | ".join(["---"] * len(cells)))
    return "\n".join(lines)
