"""Text-based formats: plain text, Markdown, source code and CSV/TSV tables."""

from __future__ import annotations

import codecs
import csv
import io

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from core.documents.extraction import Extraction, Source, join_pages, whole_text
from core.documents.kinds import binary_description, utf16_byte_order
from core.documents.model import DocumentError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GUESS_SAMPLE = 256 * 1024
# A CSV section (one "page") stays under this size so that each chunk carries the header row.
CSV_SECTION_CHARS = 2000


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Bytes of a text file to str with "\\n" newlines, plus warnings about the decoding."""
    warnings: list[str] = []
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        what = binary_description(data[:8192])
        if what is not None or (b"\x00" in data and utf16_byte_order(data) is None):
            raise DocumentError("binary", f"{name} is {what or 'a binary file'}, not text.", name)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError:
        if encoding is None:
            encoding = utf16_byte_order(data) or _guess_encoding(data)
            warnings.append(f"Not UTF-8; read as {encoding}.")
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(16, len(text) // 20):
            raise DocumentError(
                "binary", f"{name} does not look like text in any encoding.", name
            ) from None
        if bad:
            warnings.append(f"{bad} characters could not be decoded and show as �.")
    if "\x00" in text:
        raise DocumentError("binary", f"{name} is a binary file, not text.", name)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text or text.isspace():  # isspace() does not copy a large text
        raise DocumentError("empty", f"{name} has no text in it.", name)
    return text, warnings


def _guess_encoding(data: bytes) -> str:
    sample = data[:_GUESS_SAMPLE]
    # Windows-1252 is by far the most common non-UTF-8 text; take it when it reads cleanly,
    # because charset detection on a short sample often picks a wrong sibling code page.
    try:
        western = sample.decode("cp1252")
    except UnicodeDecodeError:
        western = ""
    if western and mess_ratio(western, maximum_threshold=1.0) < 0.5:
        return "cp1252"
    best = from_bytes(sample).best()
    # A sample that is plain ASCII says nothing about the bytes that failed later on.
    if best is None or best.encoding in ("ascii", "utf_8"):
        return "cp1252"
    return str(best.encoding)


def load_text(data: bytes, source: Source) -> Extraction:
    """Plain text, Markdown and code; a form feed starts a new page, as printers treat it."""
    text, warnings = decode_text(data, source.name)
    del data
    if "\f" not in text:
        return whole_text(text, warnings)
    joined, pages = join_pages([part.strip("\n") for part in text.split("\f")])
    return Extraction(joined, pages, warnings)


def load_csv(data: bytes, source: Source) -> Extraction:
    """A CSV/TSV table as readable rows; every section repeats the header so chunks keep it.

    Each section is labelled with the lines of the file it holds ("rows 2–41"), so a
    citation says where to look.
    """
    name = source.name
    text, warnings = decode_text(data, name)
    del data
    delimiter = "\t" if name.lower().endswith(".tsv") else _sniff_delimiter(text)
    try:
        rows = [_row_text(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise DocumentError("corrupt", f"{name} is not a well-formed table: {exc}.", name) from exc
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if row]
    if not numbered:
        raise DocumentError("empty", f"{name} has no rows.", name)
    first = numbered[0][1]
    width = first.count(" | ") + 1
    header = first + "\n" + " | ".join(["---"] * width)
    if len(numbered) == 1:
        return whole_text(header, warnings)
    sections: list[str] = []
    labels: list[str] = []
    current: list[str] = [header]
    size = len(header)
    start = end = numbered[1][0]
    for number, row in numbered[1:]:
        if size + len(row) + 1 > CSV_SECTION_CHARS and len(current) > 1:
            sections.append("\n".join(current))
            labels.append(_rows_label(start, end))
            current, size, start = [header], len(header), number
        current.append(row)
        size += len(row) + 1
        end = number
    sections.append("\n".join(current))
    labels.append(_rows_label(start, end))
    joined, pages = join_pages(sections, labels=labels if len(sections) > 1 else ())
    return Extraction(joined, pages, warnings)


def _rows_label(start: int, end: int) -> str:
    return f"row {start}" if start == end else f"rows {start}–{end}"


def _sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _row_text(cells: list[str]) -> str:
    if not any(cell.strip() for cell in cells):
        return ""
    return " | ".join(" ".join(cell.split()) for cell in cells)
