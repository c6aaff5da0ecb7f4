"""The loader for each kind of file, imported only when a file of that kind is read.

Loaders take the file's bytes and a ``Source`` and return an ``Extraction``. Their libraries
(pypdf, openpyxl, the OCR engine, ...) cost from a few milliseconds to a second to import,
so a kind's module is imported the first time a file of that kind is read, not at start-up.
Mail attachments come back here, one level deeper each time.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from collections.abc import Callable

from core.documents import limits
from core.documents.extraction import Extraction, Source
from core.documents.model import DocumentError

log = logging.getLogger(__name__)

Loader = Callable[[bytes, Source], Extraction]

# kind -> (module, function)
_LOADERS: dict[str, tuple[str, str]] = {
    "pdf": ("core.documents.pdf", "load_pdf"),
    "docx": ("core.documents.word", "load_docx"),
    "xlsx": ("core.documents.sheets", "load_xlsx"),
    "ods": ("core.documents.sheets", "load_ods"),
    "pptx": ("core.documents.slides", "load_pptx"),
    "odp": ("core.documents.slides", "load_odp"),
    "odt": ("core.documents.opendocument", "load_odt"),
    "rtf": ("core.documents.rtf", "load_rtf"),
    "epub": ("core.documents.epub", "load_epub"),
    "eml": ("core.documents.mail", "load_eml"),
    "mbox": ("core.documents.mail", "load_mbox"),
    "image": ("core.documents.images", "load_image"),
    "text": ("core.documents.plain", "load_text"),
    "markdown": ("core.documents.plain", "load_text"),
    "code": ("core.documents.plain", "load_text"),
    "csv": ("core.documents.plain", "load_csv"),
    "html": ("core.documents.web", "load_html"),
}
# Loaders that report their own progress (page by page); the others are one step.
_PAGED = frozenset({"pdf", "image"})
# Libraries that log or warn about the files they parse; our one-line message says it all.
_QUIET_LOGGERS = ("pypdf", "openpyxl", "PIL", "RapidOCR", "pptx", "docx")


class LoadCancelled(Exception):
    """Raised inside the worker thread when the awaiting task was cancelled."""


def loader_for(kind: str) -> Loader:
    module, function = _LOADERS[kind]
    loader: Loader = getattr(importlib.import_module(module), function)
    return loader


def extract(kind: str, data: bytes, source: Source) -> Extraction:
    """Run the loader for ``kind``; every failure comes out as one DocumentError."""
    if source.depth > limits.MAX_NESTING:
        raise DocumentError(
            "unsupported", f"{source.name} is nested too deeply inside other files to read."
        )
    paged = kind in _PAGED
    if not paged:
        source.report(0, 1)
    _quiet()
    try:
        extraction = loader_for(kind)(data, source)
    except (DocumentError, LoadCancelled):
        raise
    except RecursionError as exc:
        raise DocumentError("corrupt", f"{source.name} is nested too deeply to read.") from exc
    except MemoryError as exc:
        raise DocumentError("too_large", f"{source.name} is too large to read in memory.") from exc
    except Exception as exc:  # a parser's own error on a file it did not expect
        log.debug("reading %s failed", source.name, exc_info=True)
        lines = str(exc).strip().splitlines()
        detail = lines[0].rstrip(".") if lines else type(exc).__name__
        raise DocumentError(
            "corrupt", f"{source.name} could not be read as {kind.upper()} ({detail})."
        ) from exc
    if not paged:
        source.report(1, 1)
    return extraction


def _quiet() -> None:
    """Silence the parsers' own loggers and warnings about the files they read.

    pypdf logs "EOF marker not found" for a truncated PDF and openpyxl warns about unknown
    extensions: printed before our message, they would turn one clear line into several.
    Both are process-wide settings, set again on each read (it costs nothing) because a
    test runner or an embedding app may have reset them.
    """
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for module in _QUIET_LOGGERS:
        warnings.filterwarnings("ignore", module=module + r"(\.|$)")
