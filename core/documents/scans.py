"""Scanned PDF pages: rendered with PDFium (pypdfium2, BSD/Apache licensed) and read by OCR."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from core.documents import limits
from core.documents.extraction import Source
from core.documents.ocr import OcrUnavailable, read_image

log = logging.getLogger(__name__)

RENDER_DPI = 300  # body text comes out at 40-50 pixels a line, what the recogniser reads best
# PDFium keeps global state and must not be entered from two threads at once.
_PDFIUM = threading.Lock()


@dataclass(slots=True)
class OcrResult:
    texts: dict[int, str] = field(default_factory=dict)  # page number -> text, when some found
    unavailable: bool = False  # no OCR installed


def ocr_pdf_pages(data: bytes, numbers: list[int], source: Source) -> OcrResult:
    """OCR the pages ``numbers`` (1-based) of a PDF, reporting "OCR page k of n" for each."""
    result = OcrResult()
    try:
        import pypdfium2 as pdfium
    except ImportError:
        result.unavailable = True
        return result
    total = len(numbers)
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data, password=source.password)
        except pdfium.PdfiumError as exc:
            log.debug("PDFium cannot open %s: %s", source.name, exc)
            return result
    try:
        for done, number in enumerate(numbers):
            source.report(done, total, f"OCR page {done + 1} of {total}")
            with _PDFIUM:
                image = _render(pdfium, pdf, number, source.name)
            if image is None:
                continue
            try:
                text = read_image(image)
            except OcrUnavailable:
                result.unavailable = True
                return result
            if text.strip():
                result.texts[number] = text
        source.report(total, total)
    finally:
        with _PDFIUM:
            pdf.close()
    return result


def _render(pdfium, pdf, number: int, name: str):  # type: ignore[no-untyped-def]
    """Page ``number`` as a greyscale image at RENDER_DPI, smaller if it would be huge."""
    try:
        page = pdf[number - 1]
        try:
            width, height = page.get_size()  # points
            scale = RENDER_DPI / 72
            if width * height * scale * scale > limits.IMAGE_MAX_PIXELS:
                scale = (limits.IMAGE_MAX_PIXELS / max(1.0, width * height)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return bitmap.to_pil().copy()
            finally:
                bitmap.close()
        finally:
            page.close()
    except (pdfium.PdfiumError, ValueError, OSError) as exc:
        log.debug("page %d of %s could not be rendered: %s", number, name, exc)
        return None
