"""EPUB e-books: one section per chapter, in reading order, labelled "chapter 3: The Storm".

Read with zipfile and lxml rather than EbookLib, which is AGPL-licensed: an EPUB is a ZIP
holding a package file (OPF) whose spine lists the chapters in reading order, each an XHTML
file read here like any HTML page.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from typing import Any
from urllib.parse import unquote

from lxml import etree

from core.documents.archive import open_archive, read_member
from core.documents.extraction import Extraction, Source, labelled
from core.documents.model import DocumentError
from core.documents.opendocument import xml_parser
from core.documents.web import html_text

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_ENC = "{http://www.w3.org/2001/04/xmlenc#}"
_HEADING = re.compile(rb"<h[1-3][^>]*>(.*?)</h[1-3]>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_WHAT = "EPUB book"


def load_epub(data: bytes, source: Source) -> Extraction:
    name = source.name
    archive = open_archive(data, name, _WHAT)
    opf_path = _package_path(archive, name)
    package = _xml(archive, opf_path, name)
    base = posixpath.dirname(opf_path)
    manifest = {
        item.get("id"): item
        for item in package.iter(f"{_OPF}item")
        if item.get("id") and item.get("href")
    }
    protected = _encrypted_files(archive, name)
    chapters: list[tuple[str, str]] = []
    skipped = 0
    for itemref in package.iter(f"{_OPF}itemref"):
        item = manifest.get(itemref.get("idref"))
        if item is None or "html" not in (item.get("media-type") or ""):
            continue
        member = posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
        if member in protected:
            raise DocumentError(
                "encrypted", f"{name} is protected by DRM, so its text cannot be read.", name
            )
        try:
            page = read_member(archive, member, name, _WHAT)
        except DocumentError as exc:
            if exc.kind == "too_large":
                raise
            skipped += 1
            continue
        try:
            text = html_text(page, name, with_title=False)
        except DocumentError:
            continue  # a cover or an image page: no text, no chapter number
        number = len(chapters) + 1
        chapters.append((_label(number, page), text))
    if not chapters:
        raise DocumentError("empty", f"{name} has no chapters with text.", name)
    extraction = labelled(chapters)
    if skipped:
        extraction.warnings.append(f"{skipped} chapter files listed in the book are missing.")
    return extraction


def _package_path(archive: zipfile.ZipFile, name: str) -> str:
    container = _xml(archive, "META-INF/container.xml", name)
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    path = rootfile.get("full-path") if rootfile is not None else None
    if not path:
        raise DocumentError("corrupt", f"{name} is not a valid {_WHAT}: it names no package file.")
    return posixpath.normpath(unquote(path))


def _encrypted_files(archive: zipfile.ZipFile, name: str) -> set[str]:
    """Files the book encrypts (DRM); fonts obfuscated by the publisher do not count."""
    try:
        archive.getinfo("META-INF/encryption.xml")
    except KeyError:
        return set()
    root = _xml(archive, "META-INF/encryption.xml", name)
    return {
        posixpath.normpath(unquote(ref.get("URI", "")))
        for ref in root.iter(f"{_ENC}CipherReference")
    }


def _xml(archive: zipfile.ZipFile, member: str, name: str) -> Any:
    data = read_member(archive, member, name, _WHAT)
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError("corrupt", f"{name} is not a valid {_WHAT} ({exc}).") from exc


def _label(number: int, page: bytes) -> str:
    found = _HEADING.search(page)
    if found is None:
        return f"chapter {number}"
    title = html.unescape(_TAG.sub(" ", found.group(1).decode("utf-8", "replace")))
    title = " ".join(title.split())
    title = title if len(title) <= 60 else title[:57] + "…"
    return f"chapter {number}: {title}" if title else f"chapter {number}"
