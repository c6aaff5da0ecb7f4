"""The one chunker: cuts a Document into Chunks at pages, then paragraphs, then sentences.

Every chunk is an exact slice of ``Document.text`` (``text[char_start:char_end]``) with the
pages it covers, so a citation inside a chunk maps back to a page and an exact quote.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator

from core.documents.model import Chunk, Document, Page

DEFAULT_TARGET_CHARS = 3000
_SENTENCE_ENDS = (". ", "! ", "? ", ".\n", "!\n", "?\n", "\n", "; ")


def chunk_document(doc: Document, *, target_chars: int = DEFAULT_TARGET_CHARS) -> list[Chunk]:
    """Chunks of at most ``target_chars`` characters, in document order, with stable ids.

    A page that fits is never split; small neighbouring pages are merged up to the target;
    a long page is cut into near-equal pieces at the best break it offers.
    """
    if target_chars < 1:
        raise ValueError("target_chars must be at least 1")
    text = doc.text
    pages = doc.pages or [Page(1, 0, len(text))]
    spans: list[tuple[int, int, bool]] = []  # (start, end, is a whole page)
    for page in pages:
        start, end = _trim(text, page.start, page.end)
        if start >= end:
            continue
        if end - start <= target_chars:
            spans.append((start, end, True))
        else:
            spans.extend((a, b, False) for a, b in _split(text, start, end, target_chars))

    merged: list[tuple[int, int]] = []
    open_page = False  # whether the last merged span is made of whole pages only
    for start, end, whole in spans:
        if open_page and whole and end - merged[-1][0] <= target_chars:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
            open_page = whole

    starts = [page.start for page in pages]
    return [
        Chunk(
            id=f"{doc.id}:{index}",
            document_id=doc.id,
            document_name=doc.name,
            index=index,
            text=text[start:end],
            page_start=_page_number(pages, starts, start),
            page_end=_page_number(pages, starts, end - 1),
            char_start=start,
            char_end=end,
        )
        for index, (start, end) in enumerate(merged)
    ]


def _page_number(pages: list[Page], starts: list[int], offset: int) -> int:
    return pages[max(0, bisect_right(starts, offset) - 1)].number


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int, target: int) -> Iterator[tuple[int, int]]:
    """Near-equal pieces of ``text[start:end]``, none longer than ``target``."""
    position = start
    while position < end:
        position, _ = _trim(text, position, end)
        remaining = end - position
        if remaining <= 0:
            return
        if remaining <= target:
            yield position, end
            return
        size = math.ceil(remaining / math.ceil(remaining / target))
        cut = _best_cut(text, position + size // 2, position + size)
        piece_start, piece_end = _trim(text, position, cut)
        if piece_end > piece_start:
            yield piece_start, piece_end
        position = cut


def _best_cut(text: str, low: int, high: int) -> int:
    """Where the next piece starts: after a paragraph break, a sentence, a space, or at ``high``.

    The piece before the cut, once its trailing whitespace is trimmed, never passes ``high``.
    """
    paragraph = text.rfind("\n\n", low, high + 2)
    if paragraph >= 0:
        return paragraph + 2
    sentence = -1
    for mark in _SENTENCE_ENDS:
        kept = len(mark.rstrip())  # the part of the mark that stays with the piece
        found = text.rfind(mark, low, high + len(mark) - kept)
        if found >= 0:
            sentence = max(sentence, found + len(mark))
    if sentence >= 0:
        return sentence
    space = max(text.rfind(" ", low, high + 1), text.rfind("\t", low, high + 1))
    if space >= 0:
        return space + 1
    return high
