"""The cited page, with the quoted words highlighted."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from core.documents import find_quote
from core.documents.model import Document, Page
from core.protocols.events import Citation
from desktop.ui.markdown import highlight_quote

HIGHLIGHT = "#ffe066"


def quote_span(document: Document, citation: Citation) -> tuple[int, str, int | None, int | None]:
    """The page to show, its text, and where the quote sits in it (None when not found).

    The citation's own offsets win; else the quote is searched on the cited page, then in
    the whole document (a model sometimes cites the wrong page).
    """
    page = _page(document, citation.page)
    span: tuple[int, int] | None = None
    start, end = citation.char_start, citation.char_end
    if start is not None and end is not None and 0 <= start < end <= len(document.text):
        span = start, end
    if span is None and page is not None:
        span = find_quote(document, citation.quote, start=page.start, end=page.end)
    if span is None:
        span = find_quote(document, citation.quote)
    if span is not None:
        page = _page(document, document.page_at(span[0])) or page
    if page is None:
        return citation.page, document.text, None, None
    text = document.text[page.start : page.end]
    if span is None or not page.start <= span[0] < page.end:
        return page.number, text, None, None
    return page.number, text, span[0] - page.start, min(span[1], page.end) - page.start


def _page(document: Document, number: int) -> Page | None:
    return next((p for p in document.pages if p.number == number), None)


class CitationDialog(QDialog):
    def __init__(
        self, citation: Citation, document: Document | None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle(f"{citation.document_name} — page {citation.page}")
        self.setAccessibleName("Cited page")
        self.resize(720, 620)
        layout = QVBoxLayout(self)
        header = QLabel(
            f"<b>{html.escape(citation.document_name)}</b> · page {citation.page}"
            f"<br><span style='color:gray'>“{html.escape(' '.join(citation.quote.split()))}”</span>"
        )
        header.setWordWrap(True)
        layout.addWidget(header)
        self.page = QTextBrowser()
        self.page.setAccessibleName("Page text")
        self.found = False
        if document is None:
            self.page.setHtml(
                "<p>The document is not open any more, so its page cannot be shown. "
                "Add the file to this conversation again to see it.</p>"
            )
        else:
            number, text, start, end = quote_span(document, citation)
            self.found = start is not None
            if number != citation.page:
                self.setWindowTitle(f"{citation.document_name} — page {number}")
            body = highlight_quote(text, start, end, HIGHLIGHT)
            note = (
                ""
                if self.found
                else (
                    "<p style='color:gray'><i>The exact quote was not found on this page; "
                    "the model may have paraphrased it.</i></p>"
                )
            )
            self.page.setHtml(f"{note}<div style='line-height:140%'>{body}</div>")
            if self.found:
                self.page.scrollToAnchor("quote")
        layout.addWidget(self.page, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
