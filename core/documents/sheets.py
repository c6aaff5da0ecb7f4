"""Spreadsheets (.xlsx, .ods): each sheet as a table, cut into sections that name their cells.

A section holds a run of rows (about CSV_SECTION_CHARS of text) under the sheet's header
row, and is labelled with its sheet and cell range, "sheet Budget, A41:F80", so a citation
points at cells a person can find. Formulas show the value the file saved for them.

XLSX: openpyxl opens the workbook (sheets, shared strings, date styles); the rows are read
with its streaming sheet parser directly, because its row iterator pads every row to the
widest column and fills gaps with empty rows, which a hostile sheet turns into billions of
cells. ODS: content.xml is streamed with lxml, repeated rows and columns counted, not copied.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from core.documents import limits
from core.documents.archive import open_archive, open_member, refuse_ole
from core.documents.extraction import Extraction, Source, labelled
from core.documents.model import DocumentError
from core.documents.opendocument import OFFICE, TABLE, TEXT, inline_text, open_odf
from core.documents.plain import CSV_SECTION_CHARS

Row = tuple[int, list[tuple[int, str]]]  # (row number, [(column number, text)])


class _Caps:
    """Counts what a workbook costs to read; past a limit the rest is left out, with a note."""

    def __init__(self) -> None:
        self.cells = 0
        self.scanned = 0
        self.stopped = ""  # the sheet where reading stopped

    def spend(self, cells: int, scanned: int) -> bool:
        self.cells += cells
        self.scanned += scanned
        return self.cells <= limits.SHEET_MAX_CELLS and self.scanned <= limits.SHEET_MAX_SCANNED


def load_xlsx(data: bytes, source: Source) -> Extraction:
    name, what = source.name, "Excel workbook"
    refuse_ole(data, name, what, ".xlsx", "Excel workbook (.xls)")
    open_archive(data, name, what).close()  # refuses bombs before openpyxl inflates

    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

    caps = _Caps()
    sections: list[tuple[str, str]] = []
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
        try:
            for sheet in book.worksheets:
                title = str(sheet.title)
                hidden = getattr(sheet, "sheet_state", "visible") != "visible"
                with sheet._get_source() as stream:
                    parser = WorkSheetParser(
                        stream,
                        sheet._shared_strings,
                        data_only=True,
                        epoch=book.epoch,
                        date_formats=book._date_formats,
                        timedelta_formats=book._timedelta_formats,
                    )
                    rows = _xlsx_rows(parser, caps, title)
                    sections += sheet_sections(title, rows, hidden=hidden)
                if caps.stopped:
                    break
        finally:
            book.close()
    except DocumentError:
        raise
    except Exception as exc:  # openpyxl, zipfile and the XML parser each raise their own
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise DocumentError("corrupt", f"{name} is not a valid XLSX workbook ({detail}).") from exc
    return _finish(sections, caps, name)


def _xlsx_rows(parser: Any, caps: _Caps, title: str) -> Iterator[Row]:
    for count, (number, cells) in enumerate(parser.parse(), start=1):
        values = [
            (cell["column"], cell_text(cell["value"]))
            for cell in cells
            if cell["value"] is not None and cell["column"] <= limits.SHEET_MAX_COLUMNS
        ]
        values = [(column, text) for column, text in values if text]
        if not caps.spend(len(values), len(cells) + 1):
            caps.stopped = title
            return
        if count % 10_000 == 0:
            parser.row_dimensions.clear()  # row styles, kept by the parser and not needed here
        if values:
            yield number, values


def load_ods(data: bytes, source: Source) -> Extraction:
    from lxml import etree

    name, what = source.name, "OpenDocument spreadsheet"
    archive = open_odf(data, name, what)
    caps = _Caps()
    sections: list[tuple[str, str]] = []
    try:
        with open_member(archive, "content.xml", name, what) as stream:
            events = etree.iterparse(
                stream, events=("start", "end"), resolve_entities=False, no_network=True,
                huge_tree=False,
            )  # fmt: skip
            for title, rows in _ods_tables(events, caps):
                sections += sheet_sections(title, rows)
                if caps.stopped:
                    break
    except etree.XMLSyntaxError as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {what} ({exc}).") from exc
    return _finish(sections, caps, name)


def _ods_tables(events: Any, caps: _Caps) -> Iterator[tuple[str, Iterator[Row]]]:
    for event, element in events:
        if event == "start" and element.tag == f"{TABLE}table":
            title = element.get(f"{TABLE}name", "") or "Sheet"
            yield title, _ods_rows(events, caps, title)


def _ods_rows(events: Any, caps: _Caps, title: str) -> Iterator[Row]:
    number = 0
    for event, element in events:
        if event != "end":
            continue
        if element.tag == f"{TABLE}table":
            return
        if element.tag != f"{TABLE}table-row":
            continue
        repeat = _count(element, "number-rows-repeated")
        cells = list(_ods_cells(element, caps))
        element.clear()
        while element.getprevious() is not None:  # keep memory flat on long sheets
            del element.getparent()[0]
        if not cells:
            number += repeat
            continue
        for _ in range(repeat):
            number += 1
            if not caps.spend(len(cells), len(cells)):
                caps.stopped = title
                return
            yield number, cells


def _ods_cells(row: Any, caps: _Caps) -> Iterator[tuple[int, str]]:
    column = 0
    for cell in row:
        if cell.tag not in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
            continue
        repeat = _count(cell, "number-columns-repeated")
        text = " ".join(inline_text(p) for p in cell if p.tag == f"{TEXT}p")  # not comments
        text = " ".join(text.split())
        if not text:
            value = cell.get(f"{OFFICE}value") or cell.get(f"{OFFICE}date-value") or ""
            text = value.strip()
        caps.scanned += 1
        if not text:
            column += repeat
            continue
        for _ in range(repeat):
            column += 1
            if column > limits.SHEET_MAX_COLUMNS:
                return
            yield column, text


def _count(element: Any, attribute: str) -> int:
    try:
        return max(1, min(int(element.get(f"{TABLE}{attribute}", "1")), 1 << 20))
    except ValueError:
        return 1


def sheet_sections(
    title: str, rows: Iterable[Row], *, hidden: bool = False
) -> list[tuple[str, str]]:
    """``(label, text)`` sections of one sheet: the header row, then rows up to the size."""
    name = f"sheet {title}" + (" (hidden)" if hidden else "")
    header: Row | None = None
    batch: list[Row] = []
    size = 0
    out: list[tuple[str, str]] = []
    for row in rows:
        if header is None:
            header = row
            continue
        length = sum(len(text) + 3 for _, text in row[1])
        if batch and size + length > CSV_SECTION_CHARS:
            out.append(_section(name, header, batch, first=not out))
            batch, size = [], 0
        batch.append(row)
        size += length
    if header is not None and (batch or not out):
        out.append(_section(name, header, batch, first=not out))
    return out


def _section(name: str, header: Row, rows: list[Row], *, first: bool) -> tuple[str, str]:
    """One section's label and text; the first section's range starts at the header row,
    later ones repeat the header above their own rows."""
    every = [header, *rows]
    left = min(column for _, cells in every for column, _ in cells)
    right = max(column for _, cells in every for column, _ in cells)
    if right - left >= limits.SHEET_TABLE_COLUMNS:
        # Far-apart cells: a padded table would be mostly separators (a hostile sheet puts
        # one cell in column A and one in XFD on every row), so each cell says where it is.
        lines = [_sparse_line(number, cells) for number, cells in every]
    else:
        lines = [_line(header[1], left, right)]
        if rows:
            lines.append(" | ".join(["---"] * (right - left + 1)))
        lines += [_line(cells, left, right) for _, cells in rows]
    top = header[0] if first or not rows else rows[0][0]
    bottom = rows[-1][0] if rows else header[0]
    cells_range = f"{column_letter(left)}{top}:{column_letter(right)}{bottom}"
    return f"{name}, {cells_range}", "\n".join(lines)


def _line(cells: list[tuple[int, str]], left: int, right: int) -> str:
    by_column = dict(cells)
    return " | ".join(by_column.get(column, "") for column in range(left, right + 1))


def _sparse_line(number: int, cells: list[tuple[int, str]]) -> str:
    return " | ".join(f"{column_letter(column)}{number}: {text}" for column, text in cells)


def column_letter(number: int) -> str:
    """1 -> "A", 27 -> "AA", as spreadsheets name their columns."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell's value as a person would read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return " ".join(str(value).split())


def _finish(sections: list[tuple[str, str]], caps: _Caps, name: str) -> Extraction:
    extraction = labelled(sections)
    if not extraction.text.strip() and caps.stopped:
        raise DocumentError(
            "too_large",
            f"{name} is too large to read: sheet {caps.stopped} passes the limit of "
            f"{limits.SHEET_MAX_CELLS:,} cells before its first rows end.",
        )
    if not extraction.text.strip():
        raise DocumentError("empty", f"{name} has no cells with values.", name)
    if caps.stopped:
        extraction.warnings.append(
            f"Only part of this workbook was read: it stops in sheet {caps.stopped}, past the "
            f"limit of {limits.SHEET_MAX_CELLS:,} cells."
        )
    return extraction
