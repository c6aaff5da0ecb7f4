"""What a loaded document is: its text, its pages, and the chunks cut from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import ErrorKind, MinionsError


@dataclass(frozen=True, slots=True)
class Page:
    """One page (or, for formats without pages, one section) of a document's text."""

    number: int  # 1-based, in document order; what page filters and citations count
    start: int  # character offset of the page's first character in Document.text
    end: int  # offset one past the page's last character
    # Where this part is, in the user's words, when "page N" would not say it: "slide 3",
    # "sheet Budget, A1:F40", "chapter 2", "message 4, attachment scan.pdf, page 2".
    label: str = ""

    @property
    def place(self) -> str:
        return self.label or f"page {self.number}"


@dataclass(slots=True)
class Document:
    """A file turned into text, with page boundaries kept for citations."""

    id: str  # stable: derived from the file's content hash
    name: str  # file name shown to the user
    path: str
    kind: str  # "pdf", "docx", "xlsx", "pptx", "epub", "eml", "image", "text", ... (KIND_LABELS)
    text: str
    pages: list[Page]
    size_bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int:
        """The page number holding character ``offset``."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else 1

    def place_of(self, number: int) -> str:
        """Where page ``number`` is, for a citation: its label, else "page N"."""
        for page in self.pages:
            if page.number == number:
                return page.place
        return f"page {number}"

    def page_text(self, number: int) -> str:
        for page in self.pages:
            if page.number == number:
                return self.text[page.start : page.end]
        raise KeyError(number)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A slice of one document small enough for one worker job."""

    id: str  # stable: f"{document_id}:{index}"
    document_id: str
    document_name: str
    index: int
    text: str
    page_start: int
    page_end: int
    char_start: int  # offsets into Document.text
    char_end: int


class DocumentError(MinionsError):
    """A file the app cannot read, with one clear sentence saying why.

    ``kind`` is one of the file kinds of :class:`ErrorKind`: empty, corrupt, encrypted,
    bad_password, scanned, too_large, unreadable, unsupported, binary.
    """

    def __init__(self, kind: ErrorKind | str, message: str, path: str = "") -> None:
        super().__init__(kind, message)
        self.path = path
