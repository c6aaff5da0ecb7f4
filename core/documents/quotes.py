"""Finding a model's quoted citation in a document despite whitespace, case and quote marks."""

from __future__ import annotations

import re

from core.documents.model import Document

# Characters models and PDFs disagree on, each matched by any of its look-alikes.
_LOOKALIKES = {
    "'": "['‘’`´]",
    '"': '["“”„]',
    "-": "[-‐‑‒–—]",
}
_NORMALISE = str.maketrans({"‘": "'", "’": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
                            "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})  # fmt: skip
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")
_WRAPPING = " \t\n\"'“”‘’«»"
_MAX_ELLIPSIS_GAP = 2000  # characters a "first part … last part" quote may skip


def find_quote(
    doc: Document, quote: str, *, start: int = 0, end: int | None = None
) -> tuple[int, int] | None:
    """Character offsets ``(start, end)`` of ``quote`` in ``doc.text``, or None if absent.

    Whitespace runs, letter case and typographic quotes/dashes may differ; a quote elided
    with "..." matches its parts in order. ``start``/``end`` limit the search (e.g. to the
    cited chunk's ``char_start``/``char_end``).
    """
    text = doc.text
    stop = len(text) if end is None else min(end, len(text))
    quote = quote.strip(_WRAPPING)
    exact = text.find(quote, start, stop) if quote else -1
    if exact >= 0:
        return exact, exact + len(quote)
    parts = [part for part in _ELLIPSIS.split(quote) if part.strip(_WRAPPING + ".")]
    if not parts:
        return None
    first = _search(text, parts[0], start, stop)
    while first is not None:
        found_end = first[1]
        for part in parts[1:]:
            nxt = _search(text, part, found_end, min(stop, found_end + _MAX_ELLIPSIS_GAP))
            if nxt is None:
                break
            found_end = nxt[1]
        else:
            return first[0], found_end
        first = _search(text, parts[0], first[0] + 1, stop)
    return None


def _search(text: str, part: str, start: int, stop: int) -> tuple[int, int] | None:
    words = part.strip(_WRAPPING).translate(_NORMALISE).split()
    if not words:
        return None
    pattern = r"\s+".join("".join(_LOOKALIKES.get(c, re.escape(c)) for c in w) for w in words)
    match = re.compile(pattern, re.IGNORECASE).search(text, start, stop)
    return (match.start(), match.end()) if match else None
