"""Extracted text kept on disk under MINIONS_HOME, keyed by the file's content hash.

Two files per entry: the text as UTF-8 and a small JSON record of its pages. The record is
written last, so a half-written entry is never read back.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from core.documents.extraction import Extraction
from core.documents.model import Page
from core.storage.paths import cache_dir

log = logging.getLogger(__name__)

# Bump when a loader's output changes, so old entries are ignored.
CACHE_VERSION = 1
_WRITE_SLICE = 1 << 20  # characters encoded at a time, to keep memory flat for big texts


def _entry(digest: str, kind: str) -> tuple[Path, Path]:
    folder = cache_dir() / "documents"
    stem = f"{digest}.{kind}.v{CACHE_VERSION}"
    return folder / f"{stem}.json", folder / f"{stem}.txt"


def read_cached(digest: str, kind: str) -> Extraction | None:
    """The cached extraction of a file, or None when there is none or it is unusable."""
    try:
        record_path, text_path = _entry(digest, kind)
        if not record_path.exists():
            return None
        record = json.loads(record_path.read_text(encoding="utf-8"))
        with text_path.open(encoding="utf-8", errors="surrogatepass", newline="") as handle:
            text = handle.read()
        if len(text) != record["characters"]:
            return None
        pages = [Page(number, start, end) for number, start, end in record["pages"]]
        return Extraction(text, pages, list(record["warnings"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable cache entry for %s: %s", digest[:16], exc)
        return None


def write_cached(digest: str, kind: str, extraction: Extraction) -> None:
    """Store an extraction; a failure only costs a re-parse next time, so it is logged."""
    record_path, text_path = _entry(digest, kind)
    try:
        record_path.parent.mkdir(parents=True, exist_ok=True)
        text = extraction.text
        partial = text_path.with_name(text_path.name + _partial_suffix())
        with partial.open("wb") as handle:
            for start in range(0, len(text), _WRITE_SLICE):
                handle.write(text[start : start + _WRITE_SLICE].encode("utf-8", "surrogatepass"))
        os.replace(partial, text_path)
        record = {
            "characters": len(text),
            "pages": [[page.number, page.start, page.end] for page in extraction.pages],
            "warnings": extraction.warnings,
        }
        partial = record_path.with_name(record_path.name + _partial_suffix())
        partial.write_text(json.dumps(record), encoding="utf-8")
        os.replace(partial, record_path)
    except OSError as exc:
        log.warning("could not cache the text of %s: %s", digest[:16], exc)


def _partial_suffix() -> str:
    # Unique per writer: two loads of the same file may run at once in different threads.
    return f".{os.getpid()}-{threading.get_ident()}.partial"


def clear_cached(digest: str, kind: str) -> None:
    for path in _entry(digest, kind):
        path.unlink(missing_ok=True)
