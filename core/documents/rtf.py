"""Rich Text (.rtf) files, converted with striprtf; ``\\page`` breaks become pages."""

from __future__ import annotations

import re

from core.documents import limits
from core.documents.extraction import Extraction, Source, join_pages
from core.documents.model import DocumentError

# A page break control word, not preceded by an escaping backslash; it becomes a form feed
# (``\\'0c``), which striprtf passes through as text.
_PAGE = re.compile(rb"(?<!\\)((?:\\\\)*)\\page(?![a-z])(?:-?\d+)? ?")
_SPACES = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def load_rtf(data: bytes, source: Source) -> Extraction:
    from striprtf.striprtf import rtf_to_text

    name = source.name
    if not data.lstrip()[:5] == b"{\\rtf":
        raise DocumentError(
            "corrupt", f"{name} is not a valid RTF file: the RTF header is missing."
        )
    if len(data) > limits.RTF_MAX_BYTES:
        raise DocumentError(
            "too_large",
            f"{name} is over the {limits.RTF_MAX_BYTES // (1024 * 1024)} MB limit for RTF files.",
        )
    marked = _PAGE.sub(rb"\1\\'0c", data)
    try:
        # RTF is 7-bit text with escapes for everything else; raw UTF-8 from some writers
        # is taken as such, and anything else byte for byte.
        try:
            raw = marked.decode("utf-8")
        except UnicodeDecodeError:
            raw = marked.decode("latin-1")
        text = rtf_to_text(raw, errors="replace")  # type: ignore[no-untyped-call]  # untyped library
    except Exception as exc:  # striprtf's tokenizer raises plain errors on broken input
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise DocumentError("corrupt", f"{name} is not a valid RTF file ({detail}).") from exc
    pages = [_tidy(part) for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\f")]
    while len(pages) > 1 and not pages[-1]:
        pages.pop()  # a break at the very end starts no page
    if not any(pages):
        raise DocumentError("empty", f"{name} has no text in it.", name)
    joined, page_list = join_pages(pages)
    warnings = []
    if len(pages) > 1:
        warnings.append(
            "Page numbers count the page breaks typed into the document; "
            "it may be laid out on more pages."
        )
    return Extraction(joined, page_list, warnings)


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _SPACES.sub("\n", text)).strip()
