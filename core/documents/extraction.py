"""What a loader hands back: the text, its page boundaries, and what the user should know."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.documents.model import Page

# Called as progress(done, total) while a file is read; units are the loader's own
# (pages for a PDF, one step for everything else).
Progress = Callable[[int, int], None]
# Called with a line for the user about a slow step ("OCR page 3 of 12").
Status = Callable[[str], None]

PAGE_SEPARATOR = "\n\n"


@dataclass(slots=True)
class Extraction:
    text: str
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    cacheable: bool = True  # False when the text must not be written to disk (encrypted source)


@dataclass(slots=True)
class Source:
    """What a loader gets besides the bytes: the name to show, and where to report."""

    name: str  # for messages: already escaped by names.display_name
    password: str | None = None
    progress: Progress | None = None
    status: Status | None = None
    depth: int = 0  # files inside files: 1 for a mail's attachment, 2 for its attachment's

    def report(self, done: int, total: int, line: str = "") -> None:
        if line and self.status is not None:
            self.status(line)
        if self.progress is not None:
            self.progress(done, total)


def join_pages(
    parts: Sequence[str], separator: str = PAGE_SEPARATOR, labels: Sequence[str] = ()
) -> tuple[str, list[Page]]:
    """Join page texts with ``separator``, keeping each page's offsets in the joined text.

    ``labels``, when given, name each part where a person would look for it ("slide 3").
    """
    pages: list[Page] = []
    position = 0
    for number, part in enumerate(parts, start=1):
        label = labels[number - 1] if labels else ""
        pages.append(Page(number, position, position + len(part), label))
        position += len(part) + len(separator)
    return separator.join(parts), pages


def labelled(sections: Sequence[tuple[str, str]]) -> Extraction:
    """An Extraction from ``(label, text)`` sections, one Page each (empty ones kept, so that
    page numbers stay those of slides or chapters)."""
    text, pages = join_pages([t for _, t in sections], labels=[label for label, _ in sections])
    return Extraction(text, pages)


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
