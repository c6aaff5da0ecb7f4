"""PDF files: one Page per real page, with clear refusals for encrypted or broken files.

The text layer is read with pypdf. Pages without one (scans) are rendered with PDFium and
read by OCR; a page that has a text layer is never OCRed.
"""

from __future__ import annotations

import gc
import io
import logging

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError
from pypdf.generic import ArrayObject, IndirectObject

from core.documents.extraction import Extraction, Source, join_pages, page_ranges
from core.documents.model import DocumentError

log = logging.getLogger(__name__)


def load_pdf(data: bytes, source: Source) -> Extraction:
    name, password, progress = source.name, source.password, source.progress
    if b"%PDF-" not in data[:1024]:
        what = "it holds text" if data[:1024].isascii() else "the PDF header is missing"
        raise DocumentError("corrupt", f"{name} is not a valid PDF: {what}.", name)
    try:
        # A BufferedReader has no getbuffer(), which would make pypdf copy the whole file.
        reader = PdfReader(io.BufferedReader(io.BytesIO(data)), strict=False)
    except Exception as exc:  # pypdf raises many types for a broken file
        raise _damaged(name, exc) from exc
    extraction = Extraction("", [])
    if reader.is_encrypted:
        _unlock(reader, name, password)
        extraction.cacheable = False  # never write the plain text of a protected file to disk
    try:
        count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise DocumentError("encrypted", f"{name} is encrypted and could not be opened.") from exc
    except Exception as exc:
        raise _damaged(name, exc) from exc
    if count == 0:
        raise DocumentError("empty", f"{name} has no pages.", name)

    parts: list[str] = []
    failed: list[int] = []
    blank: list[int] = []
    for index in range(count):
        if progress is not None:
            progress(index, count)
        text = _page_text(reader, index, name)
        if text is None:
            failed.append(index + 1)
            text = ""
        elif not text:
            blank.append(index + 1)
        parts.append(text)
    del reader
    gc.collect()  # pypdf's object graph has cycles; free it before the joined text is built
    if progress is not None:
        progress(count, count)

    if len(failed) == count:
        raise DocumentError("corrupt", f"{name} is damaged: none of its pages could be read.", name)
    if blank:
        from core.documents.scans import ocr_pdf_pages

        read = ocr_pdf_pages(data, blank, source)
        for number, text in read.texts.items():
            parts[number - 1] = text
        if read.unavailable and len(failed) + len(blank) == count:
            raise DocumentError(
                "scanned",
                f"{name} has no text layer; it looks like a scanned document, "
                "and OCR is not installed to read it.",
                name,
            )
        blank = [number for number in blank if not parts[number - 1]]
        if read.texts:
            extraction.warnings.append(
                f"{page_ranges(sorted(read.texts))}: no text layer; read by OCR, "
                "which may misread characters."
            )
    if len(failed) + len(blank) == count:
        raise DocumentError(
            "scanned",
            f"{name} has no text layer, and OCR found no text on its pages.",
            name,
        )
    if failed:
        extraction.warnings.append(f"{page_ranges(failed)} could not be read (damaged).")
    if blank:
        extraction.warnings.append(
            f"{page_ranges(blank)}: no text, not even by OCR (blank pages); not included."
        )
    extraction.text, extraction.pages = join_pages(parts)
    return extraction


def _page_text(reader: PdfReader, index: int, name: str) -> str | None:
    """The text of one page, "" when it has none, None when the page cannot be read."""
    try:
        page = reader.pages[index]
        text = page.extract_text()
        _forget_page(reader, page)
    except Exception as exc:  # one bad page must not lose the other pages
        log.debug("page %d of %s failed: %s", index + 1, name, exc)
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip().replace("\x00", "")
    return text if text.strip() else ""


def _unlock(reader: PdfReader, name: str, password: str | None) -> None:
    try:
        # Many PDFs are encrypted with an empty user password and open without asking.
        if reader.decrypt(password or "") != PasswordType.NOT_DECRYPTED:
            return
    except DependencyError as exc:
        raise DocumentError(
            "encrypted",
            f"{name} is encrypted with AES, which needs the 'cryptography' package to open.",
            name,
        ) from exc
    except Exception as exc:
        raise _damaged(name, exc) from exc
    if password is None:
        raise DocumentError(
            "encrypted", f"{name} is encrypted; enter its password to open it.", name
        )
    raise DocumentError("bad_password", f"The password for {name} is not correct.", name)


def _damaged(name: str, exc: Exception) -> DocumentError:
    detail = str(exc).rstrip(".") or type(exc).__name__
    return DocumentError(
        "corrupt",
        f"{name} is damaged or incomplete and cannot be opened as a PDF ({detail}).",
        name,
    )


def _forget_page(reader: PdfReader, page: object) -> None:
    """Drop what pypdf keeps of a page once its text is out.

    pypdf caches every parsed object, decoded content streams included, for the reader's
    lifetime; for a long PDF that costs more memory than the text itself. Each page is read
    once here, so its dictionary and content streams can go. Only our own reader is touched.
    """
    cache = getattr(reader, "resolved_objects", None)
    if not isinstance(cache, dict) or not isinstance(page, dict):
        return
    contents = dict.get(page, "/Contents")
    refs: list[IndirectObject] = []
    own = getattr(page, "indirect_reference", None)
    if isinstance(own, IndirectObject):
        refs.append(own)
    if isinstance(contents, IndirectObject):
        refs.append(contents)
        resolved = cache.get((contents.generation, contents.idnum))
        if isinstance(resolved, ArrayObject):
            refs.extend(item for item in resolved if isinstance(item, IndirectObject))
    elif isinstance(contents, ArrayObject):
        refs.extend(item for item in contents if isinstance(item, IndirectObject))
    for ref in refs:
        cache.pop((ref.generation, ref.idnum), None)
    dict.clear(page)
