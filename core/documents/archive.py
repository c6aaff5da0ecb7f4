"""ZIP-based formats (DOCX, XLSX, PPTX, OpenDocument, EPUB), opened only after their directory
says they are safe to inflate.

A decompression bomb is a small file whose members inflate to gigabytes. The ZIP directory
declares each member's inflated size, and ``zipfile`` never inflates a member past what is
declared (a member that holds more fails its CRC check). So checking the declared sizes,
ratios and overlaps before anything is inflated bounds the time and memory of every reader
that goes through ``zipfile`` afterwards, third-party libraries included. Our own reads also
count what they inflate.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from core.documents import limits
from core.documents.model import DocumentError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_READ_BLOCK = 1 << 20


def refuse_ole(data: bytes, name: str, what: str, save_as: str, old: str) -> None:
    """Office files that are not ZIPs: password-protected ones, and the pre-2007 formats.

    Office encrypts a protected file as a whole and wraps it in an OLE container, so a
    ``.docx``/``.xlsx``/``.pptx`` with a password is not a ZIP at all.
    """
    if not data.startswith(_OLE_MAGIC):
        return
    if _ENCRYPTED_PACKAGE in data:
        raise DocumentError(
            "encrypted",
            f"{name} is password-protected; save a copy without a password to read it.",
            name,
        )
    raise DocumentError(
        "unsupported", f"{name} is an old-style {old}; save it as {save_as} to read it.", name
    )


def open_archive(data: bytes, name: str, what: str) -> zipfile.ZipFile:
    """``data`` as a ZipFile whose members are safe to inflate, or DocumentError saying why not.

    ``what`` names the format in messages ("DOCX file", "EPUB book").
    """
    if not data.startswith(b"PK"):
        raise DocumentError("corrupt", f"{name} is not a valid {what}: it is not a ZIP archive.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {what} ({_detail(exc)}).") from exc
    check_members(archive.infolist(), name, what)
    return archive


def check_members(members: list[zipfile.ZipInfo], name: str, what: str) -> None:
    """Refuse an archive whose directory promises too much, or is built to mislead."""
    if len(members) > limits.ZIP_MAX_MEMBERS:
        raise DocumentError(
            "too_large",
            f"{name} holds {len(members):,} files, over the {limits.ZIP_MAX_MEMBERS:,} "
            f"a {what} may hold.",
        )
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise DocumentError(
                "encrypted", f"{name} is password-protected and cannot be read.", name
            )
        size = info.file_size
        if size > limits.ZIP_MAX_MEMBER_BYTES:
            raise _bomb(name, f"{info.filename!r} inflates to {_mb(size)}", "per file")
        if size > limits.ZIP_RATIO_FROM_BYTES and size > info.compress_size * limits.ZIP_MAX_RATIO:
            raise _bomb(
                name,
                f"{info.filename!r} inflates from {_mb(info.compress_size)} to {_mb(size)}",
                "ratio",
            )
        total += size
    if total > limits.ZIP_MAX_TOTAL_BYTES:
        raise _bomb(name, f"its files inflate to {_mb(total)} in all", "in all")
    # Members that share compressed bytes inflate the same data many times over.
    ordered = sorted(members, key=lambda info: info.header_offset)
    for before, after in itertools.pairwise(ordered):
        if after.header_offset < before.header_offset + before.compress_size:
            raise DocumentError(
                "corrupt", f"{name} is not a valid {what}: its files overlap in the archive."
            )


def read_member(archive: zipfile.ZipFile, member: str, name: str, what: str) -> bytes:
    """One member's bytes, inflated in blocks and never past the per-file limit."""
    parts: list[bytes] = []
    total = 0
    with open_member(archive, member, name, what) as handle:
        try:
            while block := handle.read(_READ_BLOCK):
                total += len(block)
                if total > limits.ZIP_MAX_MEMBER_BYTES:
                    raise _bomb(name, f"{member!r} inflates past {_mb(total)}", "per file")
                parts.append(block)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise DocumentError(
                "corrupt", f"{name} is not a valid {what} ({_detail(exc)})."
            ) from exc
    return b"".join(parts)


@contextmanager
def open_member(archive: zipfile.ZipFile, member: str, name: str, what: str) -> Iterator[IO[bytes]]:
    """A member opened for streaming (zipfile stops at its declared, already checked, size)."""
    try:
        handle = archive.open(member)
    except KeyError as exc:
        raise DocumentError(
            "corrupt", f"{name} is not a valid {what}: {member} is missing."
        ) from exc
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError) as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {what} ({_detail(exc)}).") from exc
    with handle:
        yield handle


def _bomb(name: str, detail: str, which: str) -> DocumentError:
    limit = {
        "per file": f"the {_mb(limits.ZIP_MAX_MEMBER_BYTES)} limit per file",
        "in all": f"the {_mb(limits.ZIP_MAX_TOTAL_BYTES)} limit",
        "ratio": f"a {limits.ZIP_MAX_RATIO}:1 compression ratio",
    }[which]
    return DocumentError(
        "too_large",
        f"{name} looks like a decompression bomb and was not opened: {detail}, over {limit}.",
    )


def _mb(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.0f} MB"
    return f"{size / 1024:,.1f} KB"


def _detail(exc: BaseException) -> str:
    return str(exc).strip().rstrip(".") or type(exc).__name__
