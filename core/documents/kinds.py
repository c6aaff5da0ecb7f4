"""Which files the app reads, decided by the file's name and by its first bytes."""

from __future__ import annotations

import codecs
import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from core.documents.model import DocumentError
from core.documents.names import display_name

_CODE_EXTENSIONS = [
    ".py",
    ".pyi",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".java",
    ".kt",
    ".kts",
    ".scala",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cxx",
    ".hpp",
    ".hh",
    ".cs",
    ".go",
    ".rs",
    ".rb",
    ".php",
    ".swift",
    ".m",
    ".mm",
    ".r",
    ".jl",
    ".lua",
    ".pl",
    ".pm",
    ".sh",
    ".bash",
    ".zsh",
    ".fish",
    ".ps1",
    ".bat",
    ".sql",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".xml",
    ".css",
    ".scss",
    ".less",
    ".vue",
    ".svelte",
    ".dart",
    ".ex",
    ".exs",
    ".erl",
    ".hs",
    ".ml",
    ".clj",
    ".tex",
    ".rst",
    ".proto",
    ".graphql",
    ".gradle",
    ".cmake",
    ".tf",
    ".ipynb",
]

SUPPORTED_EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        ".pdf": "pdf",
        ".docx": "docx",
        ".xlsx": "xlsx",
        ".xlsm": "xlsx",
        ".pptx": "pptx",
        ".odt": "odt",
        ".ods": "ods",
        ".odp": "odp",
        ".rtf": "rtf",
        ".epub": "epub",
        ".eml": "eml",
        ".mbox": "mbox",
        ".png": "image",
        ".jpg": "image",
        ".jpeg": "image",
        ".tif": "image",
        ".tiff": "image",
        ".txt": "text",
        ".text": "text",
        ".log": "text",
        ".md": "markdown",
        ".markdown": "markdown",
        ".html": "html",
        ".htm": "html",
        ".xhtml": "html",
        ".csv": "csv",
        ".tsv": "csv",
        **dict.fromkeys(_CODE_EXTENSIONS, "code"),
    }
)

KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "pdf": "PDF",
        "docx": "Word document",
        "xlsx": "Excel workbook",
        "pptx": "PowerPoint presentation",
        "odt": "OpenDocument text",
        "ods": "OpenDocument spreadsheet",
        "odp": "OpenDocument presentation",
        "rtf": "Rich Text document",
        "epub": "EPUB e-book",
        "eml": "email message",
        "mbox": "mailbox",
        "image": "image (read by OCR)",
        "text": "plain text",
        "markdown": "Markdown",
        "html": "HTML",
        "csv": "CSV/TSV table",
        "code": "source code",
    }
)

TEXT_KINDS = frozenset({"text", "markdown", "html", "csv", "code"})
ARCHIVE_KINDS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"})
# What one Page of each kind is, for `minions docs inspect` ("sections" when not listed).
PAGE_UNITS: Mapping[str, str] = MappingProxyType(
    {"pdf": "pages", "image": "pages", "pptx": "slides", "odp": "slides", "epub": "chapters"}
)

HEAD_BYTES = 8192

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
# A ZIP's first member names its format: OpenDocument and EPUB store a "mimetype" file
# first, uncompressed; Office writes its own folders.
_ZIP_MARKERS = (
    (b"mimetypeapplication/vnd.oasis.opendocument.text", "odt"),
    (b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "ods"),
    (b"mimetypeapplication/vnd.oasis.opendocument.presentation", "odp"),
    (b"mimetypeapplication/epub+zip", "epub"),
    (b"word/", "docx"),
    (b"xl/", "xlsx"),
    (b"ppt/", "pptx"),
)
_MAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"return-path:",
                 b"message-id:", b"mime-version:", b"delivered-to:", b"reply-to:")  # fmt: skip
# Formats a user is likely to drop by mistake, named so the refusal says what the file is.
_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b\x08", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (_OLE_MAGIC, "an old-style Office file"),
)
_TEXT_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed and escape.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
_NO_CONTROLS = bytes.maketrans(b"", b"")


def supported_summary() -> str:
    """One sentence listing what the app reads, for the "unsupported" message."""
    by_kind: dict[str, list[str]] = {}
    for extension, kind in SUPPORTED_EXTENSIONS.items():
        by_kind.setdefault(kind, []).append(extension)
    parts = []
    for kind, extensions in by_kind.items():
        shown = ", ".join(extensions[:6]) + (", …" if len(extensions) > 6 else "")
        parts.append(f"{KIND_LABELS[kind]} ({shown})")
    return "Supported: " + "; ".join(parts) + "."


def detect_kind(path: str | Path) -> str:
    """The kind of document at ``path`` ("pdf", "docx", "text", ...), judged by name and content.

    Raises DocumentError ("unsupported", "binary" or "unreadable") when the app cannot read it.
    """
    path = Path(path)
    try:
        with open_regular(path) as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    return kind_from_head(display_name(path.name), head)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, or OSError when it is not a regular file.

    Opened without blocking, so a named pipe or a device is refused instead of waiting for
    a writer that never comes; blocking is restored for the read itself.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(errno.EINVAL, _special_kind(info.st_mode), str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class NotARegularFile(OSError):
    """A named pipe, socket or device where a document was expected."""


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "it is a named pipe, not a regular file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a regular file"
    return "it is not a regular file"


def kind_from_head(name: str, head: bytes) -> str:
    """The document kind from a file's name and its first few kilobytes; content decides."""
    extension = Path(name).suffix.lower()
    named = SUPPORTED_EXTENSIONS.get(extension)
    if head.startswith(b"%PDF-") or (named == "pdf" and b"%PDF-" in head[:1024]):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        found = next((kind for marker, kind in _ZIP_MARKERS if marker in head), None)
        if found is not None:
            return found
    if named in ARCHIVE_KINDS:
        return named  # the loader says precisely what is wrong with a bad archive
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if named is not None and named not in TEXT_KINDS:
        return named  # PDF, RTF, image, mail: the loader explains what this file is not
    if named is None and extension:
        raise DocumentError(
            "unsupported", f"{name}: {extension} files are not supported. {supported_summary()}"
        )
    what = binary_description(head)
    if what is not None:
        raise DocumentError("binary", f"{name} is {what}, not text, so it cannot be read.", name)
    return named or _mail_kind(head) or "text"  # a name without an extension that holds text


def _mail_kind(head: bytes) -> str | None:
    """ "mbox" or "eml" for text that starts like saved mail (a file named without extension)."""
    lines = head.lstrip(b"\r\n").split(b"\n", 8)
    if lines[0].startswith(b"From ") and any(
        line.lower().startswith(_MAIL_HEADERS) for line in lines[1:]
    ):
        return "mbox"
    if sum(line.lower().startswith(_MAIL_HEADERS) for line in lines[:8]) >= 2:
        return "eml"
    return None


def binary_description(head: bytes) -> str | None:
    """What a non-text file looks like ("a PNG image", "a binary file"), or None for text."""
    if head.startswith(_TEXT_BOMS):
        return None
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return what
    if not head:
        return None
    if b"\x00" in head:
        return None if utf16_byte_order(head) else "a binary file"
    controls = len(head) - len(head.translate(_NO_CONTROLS, _CONTROL_BYTES))
    return "a binary file" if controls > len(head) * 0.05 else None


def utf16_byte_order(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" for BOM-less UTF-16 (mostly Latin text), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def unreadable_error(path: Path, exc: OSError) -> DocumentError:
    if isinstance(exc, FileNotFoundError):
        reason = "it does not exist"
    elif isinstance(exc, IsADirectoryError):
        reason = "it is a folder, not a file"
    elif isinstance(exc, PermissionError):
        reason = "permission was denied"
    else:
        reason = exc.strerror or type(exc).__name__
    shown = display_name(path.name or str(path))
    return DocumentError("unreadable", f"{shown} cannot be read: {reason}.", str(path))
