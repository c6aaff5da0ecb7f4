"""What a loader hands back: the text, its page boundaries, and what the user should know."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.documents.model import Page

# Called as progress(done, total) while a file is read; units are the loader's own
# (pages for a PDF, one step for everything else).
Progress = Callable[[int, int], None]

PAGE_SEPARATOR = "\n\n"


@dataclass(slots=True)
class Extraction:
    text: str
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    cacheable: bool = True  # False when the text must not be written to disk (encrypted source)


def join_pages(parts: Sequence[str], separator: str = PAGE_SEPARATOR) -> tuple[str, list[Page]]:
    """Join page texts with ``separator``, keeping each page's offsets in the joined text."""
    pages: list[Page] = []
    position = 0
    for number, part in enumerate(parts, start=1):
        pages.append(Page(number, position, position + len(part)))
        position += len(part) + len(separator)
    return separator.join(parts), pages


def whole_text(text: str, warnings: list[str] | None = None) -> Extraction:
    """A format without pages: one page covering all of the text."""
    return Extraction(text, [Page(1, 0, len(text))], warnings or [])


def page_ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"Pages 1–3, 7"``; ``[4]`` -> ``"Page 4"``; for warnings."""
    spans: list[str] = []
    start = previous = None
    for number in [*numbers, None]:
        if start is not None and previous is not None and number != previous + 1:
            spans.append(str(start) if start == previous else f"{start}–{previous}")
            start = None
        if start is None:
            start = number
        previous = number
    return ("Page " if len(numbers) == 1 else "Pages ") + ", ".join(spans)
