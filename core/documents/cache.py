"""Extracted text kept on disk under MINIONS_HOME, keyed by the file's content hash.

Two files per entry: the text as UTF-8 and a small JSON record of its pages. The record is
written last, so a half-written entry is never read back.

A second, smaller record per file path remembers which content hash a file had at a given
size, modification time, change time and inode: when all of them still match, a second
load reads only the cached text and skips reading and hashing the file itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from core.documents.extraction import Extraction
from core.documents.model import Page
from core.storage.paths import cache_dir

log = logging.getLogger(__name__)

# Bump when a loader's output changes, so old entries are ignored.
CACHE_VERSION = 2
_WRITE_SLICE = 1 << 20  # characters encoded at a time, to keep memory flat for big texts
# A file changed within this many seconds of being recorded might change again within the
# same timestamp tick unnoticed, so such a record is not trusted (as git treats racy files).
_RACY_NS = 2_000_000_000


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
        # One read and one decode: a text-mode read decodes in small steps, several times
        # slower on a large text than parsing the original file was.
        text = text_path.read_bytes().decode("utf-8", "surrogatepass")
        if len(text) != record["characters"]:
            return None
        pages = [Page(*fields) for fields in record["pages"]]
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
            "pages": [
                [page.number, page.start, page.end, *([page.label] if page.label else [])]
                for page in extraction.pages
            ],
            "warnings": extraction.warnings,
        }
        _write_json(record_path, record)
    except OSError as exc:
        log.warning("could not cache the text of %s: %s", digest[:16], exc)


def known_file(path: Path, info: os.stat_result) -> tuple[str, str] | None:
    """``(digest, kind)`` of the file at ``path`` when it is unchanged since it was recorded."""
    try:
        record = json.loads(_file_record(path).read_text(encoding="utf-8"))
        if record["stat"] != _stat_key(info) or record["version"] != CACHE_VERSION:
            return None
        if record["recorded_ns"] - info.st_mtime_ns < _RACY_NS:
            return None
        return str(record["digest"]), str(record["kind"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_file(path: Path, info: os.stat_result, digest: str, kind: str) -> None:
    """Record that the file at ``path``, as ``info`` describes it, holds ``digest``."""
    record = {
        "version": CACHE_VERSION,
        "stat": _stat_key(info),
        "recorded_ns": time.time_ns(),
        "digest": digest,
        "kind": kind,
    }
    try:
        target = _file_record(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_json(target, record)
    except OSError as exc:
        log.warning("could not record %s in the cache: %s", digest[:16], exc)


def _file_record(path: Path) -> Path:
    # Named by a hash of the absolute path: the cache folder does not list file names.
    key = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:40]
    return cache_dir() / "documents" / "files" / f"{key}.json"


def _stat_key(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _write_json(path: Path, record: object) -> None:
    partial = path.with_name(path.name + _partial_suffix())
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, path)


def _partial_suffix() -> str:
    # Unique per writer: two loads of the same file may run at once in different threads.
    return f".{os.getpid()}-{threading.get_ident()}.partial"
