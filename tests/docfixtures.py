"""Test documents made on the spot: a tiny PDF writer and helpers for the other formats."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader, PdfWriter


def _escape(line: str) -> bytes:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def make_pdf(pages: Sequence[Sequence[str]], *, compress: bool = True) -> bytes:
    """A valid PDF whose page i shows the lines ``pages[i]`` in Helvetica.

    An empty list of lines makes a page with a drawing and no text, like a scan.
    """
    objects: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", b""]
    font_id, pages_id = 1, 2
    kids: list[int] = []
    for lines in pages:
        if lines:
            ops = [b"BT /F1 10 Tf 12 TL 50 780 Td"]
            ops += [b"(" + _escape(line) + b") Tj T*" for line in lines]
            ops.append(b"ET")
        else:
            ops = [b"0.5 g 50 50 500 700 re f"]
        content = b"\n".join(ops)
        header = b"<< /Filter /FlateDecode" if compress else b"<<"
        if compress:
            content = zlib.compress(content)
        header += b" /Length %d" % len(content)
        objects.append(header + b" >>\nstream\n" + content + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content_id, font_id)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, len(objects), xref)
    )
    return out.getvalue()


def filler_lines(page: int, count: int = 40) -> list[str]:
    return [
        f"Page {page}, line {line}: the committee reviewed the quarterly figures in detail."
        for line in range(count)
    ]


def encrypt_pdf(data: bytes, password: str, *, algorithm: str = "AES-256") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path) -> Path:
    """A Word file with a heading, paragraphs, a table between them, and a closing line."""
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Revenue grew in every region this quarter.")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [("Region", "Revenue", "Growth"), ("North", "1,200", "4%"), ("South", "950", "7%")],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Figures are unaudited.")
    document.save(str(path))
    return path
