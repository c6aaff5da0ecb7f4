"""Test documents made on the spot: a tiny PDF writer and helpers for the other formats."""

from __future__ import annotations

import io
import zipfile
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


# --- office, OpenDocument, e-book and mail files --------------------------------------------


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with one sheet per entry, rows written from A1 down."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def set_cached_values(path: Path, sheet_file: str, values: dict[str, str]) -> None:
    """Give formula cells the value Excel would have saved with them (openpyxl saves none)."""
    import re

    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = members[sheet_file].decode("utf-8")
    for cell, value in values.items():
        xml = re.sub(
            rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?',
            rf"\1\2<v>{value}</v>",
            xml,
        )
    members[sheet_file] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def make_pptx(path: Path, slides: list[tuple[str, list[str], str]]) -> Path:
    """Slides of (title, body lines, speaker notes)."""
    from pptx import Presentation

    deck = Presentation()
    layout = deck.slide_layouts[1]  # title and content
    for title, lines, notes in slides:
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = lines[0] if lines else ""
        for line in lines[1:]:
            body.add_paragraph().text = line
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(path)
    return path


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'office:version="1.3"'
)
ODF_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def make_odf(
    path: Path, kind: str, body: str, *, styles: str = "", encrypted: bool = False
) -> Path:
    """An OpenDocument file of ``kind`` whose office:body holds ``body`` (ODF XML)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body>{body}</office:body></office:document-content>"
    )
    entry = '<manifest:encryption-data manifest:checksum-type="SHA1"/>' if encrypted else ""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODF_TYPES[kind]}"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        f"{entry}</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODF_TYPES[kind])  # stored, first
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return path


def make_epub(path: Path, chapters: list[tuple[str, str]], *, drm: bool = False) -> Path:
    """An EPUB 3 book of (heading, paragraph text) chapters, after a cover with no text."""
    items = ['<item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>']
    spine = ['<itemref idref="cover"/>']
    pages = {"OEBPS/cover.xhtml": _xhtml("Cover", '<img src="cover.jpg" alt=""/>')}
    for number, (heading, text) in enumerate(chapters, start=1):
        items.append(
            f'<item id="c{number}" href="text/ch{number}.xhtml" '
            'media-type="application/xhtml+xml"/>'
        )
        spine.append(f'<itemref idref="c{number}"/>')
        pages[f"OEBPS/text/ch{number}.xhtml"] = _xhtml(heading, f"<h1>{heading}</h1><p>{text}</p>")
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" '
        'version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">test-book</dc:identifier><dc:title>Test book</dc:title>'
        f"</metadata><manifest>{''.join(items)}</manifest><spine>{''.join(spine)}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        if drm:
            archive.writestr(
                "META-INF/encryption.xml",
                '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                '<enc:CipherData><enc:CipherReference URI="OEBPS/text/ch1.xhtml"/>'
                "</enc:CipherData></enc:EncryptedData></encryption>",
            )
        archive.writestr("OEBPS/content.opf", opf)
        for name, page in pages.items():
            archive.writestr(name, page)
    return path


def _xhtml(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>{title}</title></head><body>{body}</body></html>"
    )


def make_email(
    subject: str, body: str, attachments: Sequence[tuple[str, bytes]] = (), *, sender: str = ""
) -> bytes:
    """An RFC 5322 message with a plain-text body and the given (file name, data) attachments."""
    import mimetypes
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender or "Ada Lovelace <ada@example.org>"
    message["To"] = "Charles Babbage <charles@example.org>"
    message["Date"] = "Tue, 04 Mar 2025 09:15:00 +0000"
    message["Subject"] = subject
    message.set_content(body)
    for name, data in attachments:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        main, sub = kind.split("/", 1)
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def make_mbox(messages: Sequence[bytes]) -> bytes:
    """Messages in one mailbox, each after its "From " line (body lines escaped as mboxo does)."""
    out = []
    for number, message in enumerate(messages):
        escaped = message.replace(b"\nFrom ", b"\n>From ")
        out.append(b"From sender%d@example.org Tue Mar  4 09:15:00 2025\n" % number + escaped)
    return b"\n".join(part.rstrip(b"\n") + b"\n" for part in out)


# --- images of text, for OCR -----------------------------------------------------------------


def text_image(lines: Sequence[str], *, size: int = 40, width: int = 1400, mode: str = "L"):
    """A white page with ``lines`` drawn in black, as a scanner would deliver it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    height = 120 + int(len(lines) * size * 1.8)
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((60, 60 + int(number * size * 1.8)), line, fill="black", font=font)
    return image


def image_bytes(image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def scanned_pdf(pages: Sequence[object], *, dpi: int = 200) -> bytes:
    """A PDF whose pages are only images (no text layer), like a scanner's output."""
    out = io.BytesIO()
    first, *rest = pages
    first.save(out, format="PDF", resolution=dpi, save_all=True, append_images=rest)  # type: ignore[attr-defined]
    return out.getvalue()


# --- hostile archives ------------------------------------------------------------------------


def bomb_zip(
    members: Sequence[tuple[str, bytes]], bomb: str, inflated: int, *, declared: int = -1
) -> bytes:
    """A valid ZIP holding ``members`` and a member ``bomb`` of ``inflated`` zero bytes.

    The bomb's deflate data is one compressed megabyte of zeros repeated (each copy is a
    self-contained block), so a 400 MB bomb is built in well under a second. ``declared``
    sets the size the ZIP directory claims (default: the true size).
    """
    import struct

    block = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = one * (inflated // block) + compressor.flush(zlib.Z_FINISH)
    crc = 0
    zeros = bytes(block)
    for _ in range(inflated // block):
        crc = zlib.crc32(zeros, crc)
    entries = [(name, data, zlib.crc32(data), len(data), 0) for name, data in members]
    entries.append((bomb, stream, crc, inflated if declared < 0 else declared, 8))
    out = io.BytesIO()
    central = []
    for name, data, checksum, size, method in entries:
        encoded = name.encode()
        offset = out.tell()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, checksum, len(data), size,
            len(encoded), 0,
        )  # fmt: skip
        out.write(header + encoded + data)
        fields = (20, 20, 0, method, 0, 0, checksum, len(data), size, len(encoded), 0, 0, 0, 0, 0)
        entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, *fields, offset)
        central.append(entry + encoded)
    start = out.tell()
    out.writelines(central)
    end = out.tell()
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - start, start, 0
        )
    )
    return out.getvalue()
