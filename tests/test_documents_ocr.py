"""OCR of scans and photos of pages, on this machine, with pages made in the test.

Text is drawn with Pillow into images, and into PDF pages that hold only an image (no text
layer), then read back through the real loader, OCR engine included.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from core.cli import main
from core.documents import load_document_sync, scans
from tests.docfixtures import encrypt_pdf, image_bytes, make_pdf, scanned_pdf, text_image

LETTER = [
    "The vault access code for the Harwick archive is 7781-KESTREL.",
    "Please keep this letter with your records.",
]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_png_of_a_letter_is_read_by_ocr_with_a_line_for_the_user(tmp_path: Path) -> None:
    path = write(tmp_path / "letter.png", image_bytes(text_image(LETTER), "PNG"))
    lines: list[str] = []
    steps: list[tuple[int, int]] = []
    doc = load_document_sync(path, status=lines.append, progress=lambda d, t: steps.append((d, t)))
    assert doc.kind == "image"
    assert "7781-KESTREL" in doc.text
    assert "Harwick archive" in doc.text and "your records" in doc.text
    assert doc.text.index("Harwick") < doc.text.index("records")  # reading order
    assert lines == ["OCR page 1 of 1"]
    assert steps == [(0, 1), (1, 1)]
    assert doc.warnings == ["Text read by OCR; it may hold misread characters."]


def test_colour_jpeg_and_transparent_png_are_read(tmp_path: Path) -> None:
    photo = text_image(LETTER[:1], mode="RGB")
    doc = load_document_sync(write(tmp_path / "photo.jpg", image_bytes(photo, "JPEG", quality=90)))
    assert "7781-KESTREL" in doc.text
    # Black text on a transparent black background (as many exports save it): read on white
    # paper; taken without its transparency it would be black on black.
    from PIL import Image

    ink = text_image(LETTER[:1]).point(lambda v: 255 - v)  # opaque where the text is
    clear = Image.new("RGBA", ink.size, (0, 0, 0, 0))
    clear.putalpha(ink)
    doc = load_document_sync(write(tmp_path / "screenshot.png", image_bytes(clear, "PNG")))
    assert "7781-KESTREL" in doc.text


def test_multipage_tiff_gives_one_page_per_frame(tmp_path: Path) -> None:
    first, second = text_image(["Fax page one: invoice 4471."]), text_image(["Fax page two: paid."])
    data = image_bytes(first, "TIFF", save_all=True, append_images=[second])
    lines: list[str] = []
    doc = load_document_sync(write(tmp_path / "fax.tiff", data), status=lines.append)
    assert [p.number for p in doc.pages] == [1, 2]
    assert "4471" in doc.page_text(1) and "paid" in doc.page_text(2)
    assert lines == ["OCR page 1 of 2", "OCR page 2 of 2"]


def test_scanned_pdf_pages_are_read_by_ocr_on_their_own_pages(tmp_path: Path) -> None:
    pages = [text_image(["Statement for March."], mode="RGB"), text_image(LETTER, mode="RGB")]
    lines: list[str] = []
    doc = load_document_sync(write(tmp_path / "scan.pdf", scanned_pdf(pages)), status=lines.append)
    assert doc.kind == "pdf"
    assert "March" in doc.page_text(1)
    assert "7781-KESTREL" in doc.page_text(2)
    assert doc.page_at(doc.text.index("7781-KESTREL")) == 2
    assert lines == ["OCR page 1 of 2", "OCR page 2 of 2"]
    assert doc.warnings == ["Pages 1–2: no text layer; read by OCR, which may misread characters."]


def test_only_pages_without_a_text_layer_are_ocred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = PdfWriter()
    for data in (
        make_pdf([["Typed page with its own text layer."]]),
        scanned_pdf([text_image(LETTER, mode="RGB")]),
    ):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    read: list[object] = []
    original = scans.read_image

    def counting(image: object) -> str:
        read.append(image)
        return original(image)  # type: ignore[arg-type]

    monkeypatch.setattr(scans, "read_image", counting)
    doc = load_document_sync(write(tmp_path / "mixed.pdf", out.getvalue()))
    assert len(read) == 1  # the typed page was not rendered or OCRed
    assert doc.page_text(1) == "Typed page with its own text layer."
    assert "7781-KESTREL" in doc.page_text(2)
    assert doc.warnings == ["Page 2: no text layer; read by OCR, which may misread characters."]


def test_ocr_text_is_cached_so_the_scan_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "scan.pdf", scanned_pdf([text_image(LETTER, mode="RGB")]))
    first = load_document_sync(path)

    def fail(image: object) -> str:
        raise AssertionError("OCR ran again")

    monkeypatch.setattr(scans, "read_image", fail)
    assert load_document_sync(path).text == first.text


def test_cli_inspect_reads_a_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "scan.png", image_bytes(text_image(LETTER), "PNG"))
    assert main(["docs", "inspect", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "image" and info["page_unit"] == "pages" and info["characters"] > 60


def test_ingest_worker_sends_ocr_lines_to_the_window(tmp_path: Path) -> None:
    from desktop.ingest import IngestPool

    path = write(tmp_path / "letter.png", image_bytes(text_image(LETTER), "PNG"))
    lines: list[str] = []

    async def read() -> str:
        pool = IngestPool(workers=1)
        try:
            doc = await pool.load(str(path), max_bytes=10_000_000, status=lines.append)
        finally:
            pool.shutdown()
        return doc.text

    text = asyncio.run(read())
    assert "7781-KESTREL" in text
    assert lines == ["OCR page 1 of 1"]


def test_encrypted_scan_is_read_with_its_password_and_never_cached(
    tmp_path: Path, home: Path
) -> None:
    data = encrypt_pdf(scanned_pdf([text_image(LETTER, mode="RGB")]), "s3cret")
    path = write(tmp_path / "locked-scan.pdf", data)
    doc = load_document_sync(path, password="s3cret")
    assert "7781-KESTREL" in doc.page_text(1)
    cached = (
        [p for p in (home / "cache").rglob("*") if p.is_file()] if (home / "cache").exists() else []
    )
    assert cached == []
