"""Which parts of an outbound text are copied from the documents, typed by the user, or neither.

Text is compared as a sequence of words (``\\w+``, case-folded, NFKC-normalized),
so whitespace, line breaks, punctuation and case do not break a match. A run
counts when at least ``min_document_words`` (default 8) consecutive words
appear in one document, or ``min_user_words`` (default 4) in one user message;
a user message shorter than that (but of two words or more) counts when it
appears whole. A run is extended as far as it goes. Where a run is both in a
document and in a user message it is reported as ``"document"``: that text did
leave the document, whoever typed it.

Matching costs time and memory in proportion to the outbound text, not to the
documents: each document's shingles are hashed once into compact sorted arrays
(``core.privacy.shingles``, cached on disk and memory-mapped), an outbound text's
shingles are looked up there, and each hit is checked word by word against the
document's own text. User messages are short and indexed in memory.

For a JSON request body, ``find_spans_in_payload`` matches inside each decoded
string value and reports offsets in the raw body as stored in the audit log.
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain, islice

from core.privacy.shingles import WORD as _WORD
from core.privacy.shingles import DocumentShingles, normalize, shingle_hashes, word_hashes

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u.{4}|\\.")
_SEPARATOR = -2  # between sources in the word list; never equals a word id
_UNKNOWN = -1  # outbound word that occurs in no source
DOCUMENT_RUN_WORDS = 8  # the default shortest run of document words that counts
_MAX_CANDIDATES = 256  # boilerplate repeated thousands of times: enough to find a long run


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of outbound text with a known origin; ``end`` is exclusive."""

    start: int
    end: int
    source: str  # "document" | "user"
    document_id: str | None
    doc_start: int | None  # offsets in the document's text (documents only)
    doc_end: int | None
    page: int | None
    message_index: int | None = None  # which user message (user spans only)


def _tokens(text: str) -> tuple[list[str], array[int], array[int]]:
    words: list[str] = []
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    for m in _WORD.finditer(text):
        words.append(normalize(m.group()))
        starts.append(m.start())
        ends.append(m.end())
    return words, starts, ends


class _RunIndex:
    """All sources of one kind as one word-id list, with a shingle hash -> positions table."""

    def __init__(self, n: int, vocab: dict[str, int]) -> None:
        self.n = n
        self.vocab = vocab
        self.ids: list[int] = [_SEPARATOR]
        self.starts: array[int] = array("q", [0])
        self.ends: array[int] = array("q", [0])
        self.source_first: list[int] = []  # position of each source's first word
        self.first: dict[int, int] = {}
        self.more: dict[int, list[int]] = {}

    def add(self, text: str) -> None:
        words, starts, ends = _tokens(text)
        base = len(self.ids)
        self.source_first.append(base)
        vocab = self.vocab
        self.ids.extend(vocab.setdefault(w, len(vocab)) for w in words)
        self.ids.append(_SEPARATOR)
        self.starts.extend(starts)
        self.starts.append(0)
        self.ends.extend(ends)
        self.ends.append(0)
        new = self.ids[base : base + len(words)]
        shingles = zip(*(new[k:] for k in range(self.n)), strict=False)
        first, more = self.first, self.more
        for pos, key in enumerate(map(hash, shingles), base):
            if key in first:
                more.setdefault(key, []).append(pos)
            else:
                first[key] = pos

    def source_of(self, pos: int) -> int:
        return bisect_right(self.source_first, pos) - 1

    def match(
        self, q: list[int], blocked: bytearray, allowed: Collection[int] | None
    ) -> list[tuple[int, int, int]]:
        """Greedy maximal runs as (outbound word start, end, source position of the start)."""
        n, ids = self.n, self.ids
        keys = [hash(s) for s in zip(*(q[k:] for k in range(n)), strict=False)]
        found: list[tuple[int, int, int]] = []
        i = 0
        while i < len(keys):
            key = keys[i]
            if key not in self.first or any(blocked[i : i + n]):
                i += 1
                continue
            best_len, best_pos = 0, -1
            candidates: Iterator[int] = chain((self.first[key],), self.more.get(key, ()))
            if allowed is not None:
                candidates = (p for p in candidates if self.source_of(p) in allowed)
            for pos in islice(candidates, _MAX_CANDIDATES):
                length = 0
                while i + length < len(q) and not blocked[i + length]:
                    if ids[pos + length] != q[i + length]:
                        break
                    length += 1
                if length >= n and length > best_len:
                    best_len, best_pos = length, pos
            if best_pos < 0:  # a hash collision, or only in sources not asked about
                i += 1
                continue
            found.append((i, i + best_len, best_pos))
            i += best_len
        return found


@dataclass(slots=True)
class _Document:
    id: str
    length: int
    page_of: Callable[[int], int] | None
    shingles: DocumentShingles


class ProvenanceIndex:
    """Documents and user messages of one run, matched against each outbound text.

    Opening a document reads its cached shingle arrays (or builds them once: about a
    second for 10 MB of text), so construct this in a thread, as the run does.
    """

    def __init__(
        self,
        documents: Iterable[tuple[str, str, Callable[[int], int] | None]] = (),
        user_messages: Iterable[str] = (),
        *,
        min_document_words: int = DOCUMENT_RUN_WORDS,
        min_user_words: int = 4,
    ) -> None:
        if min_document_words < 1 or min_user_words < 2:
            raise ValueError("runs need at least 1 document word and 2 user words")
        self._n = min_document_words
        self._vocab: dict[str, int] = {}
        self._users = _RunIndex(min_user_words, self._vocab)
        self._docs: list[_Document] = []
        self._short_messages: list[tuple[int, tuple[int, ...]]] = []
        self._user_count = 0
        for document_id, text, page_of in documents:
            self.add_document(document_id, text, page_of)
        for message in user_messages:
            self.add_user_message(message)

    def add_document(
        self, document_id: str, text: str, page_of: Callable[[int], int] | None = None
    ) -> None:
        if any(doc.id == document_id for doc in self._docs):
            raise ValueError(f"document {document_id!r} is already indexed")
        shingles = DocumentShingles.open(text, self._n)
        self._docs.append(_Document(document_id, len(text), page_of, shingles))

    def add_user_message(self, text: str) -> None:
        first = len(self._users.ids)
        self._users.add(text)
        words = tuple(self._users.ids[first:-1])
        if 2 <= len(words) < self._users.n:
            self._short_messages.append((self._user_count, words))
        self._user_count += 1

    @property
    def document_ids(self) -> list[str]:
        return [doc.id for doc in self._docs]

    def document_length(self, document_id: str) -> int:
        """Characters in the document's text: the denominator of its leak meter."""
        return next(doc.length for doc in self._docs if doc.id == document_id)

    def find_spans(self, outbound: str) -> list[Span]:
        """Document and user runs in ``outbound``: sorted, non-overlapping, each maximal.

        Where the user's words and a document's overlap (a question that quotes a line
        of the document, a finding that repeats the question), the longer run says where
        the text came from: the whole typed question is the user's, even if a phrase of
        it is also in a document; a finding quoting the document is the document's.
        """
        words, starts, ends = _tokens(outbound)
        spans = self._document_spans(words, bytearray(len(words) + 1), starts, ends, self._docs)
        q = [self._vocab.get(w, _UNKNOWN) for w in words]
        for i, j, message in self._user_runs(q, bytearray(len(words) + 1)):
            spans.append(Span(starts[i], ends[j - 1], "user", None, None, None, None, message))
        kept: list[Span] = []
        for span in sorted(spans, key=lambda s: (s.start - s.end, s.source != "document")):
            if all(span.end <= k.start or span.start >= k.end for k in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    def find_document_runs(self, outbound: str, document_ids: Collection[str]) -> list[Span]:
        """Runs in ``outbound`` copied from these documents only (for the never-send guard)."""
        docs = [doc for doc in self._docs if doc.id in document_ids]
        if not docs:
            return []
        words, starts, ends = _tokens(outbound)
        return self._document_spans(words, bytearray(len(words) + 1), starts, ends, docs)

    def find_spans_in_payload(self, body: str) -> list[Span]:
        """Spans in a JSON request body, matched in decoded strings, offsets in the raw body.

        Each string literal is decoded on its own, so a run never crosses from one
        message into the next. A body that is not JSON is matched as plain text.
        """
        try:
            json.loads(body)
        except ValueError:
            return self.find_spans(body)
        spans: list[Span] = []
        for lit in _JSON_STRING.finditer(body):
            decoded, raw_at = _decode_json_string(lit.group(), lit.start())
            for s in self.find_spans(decoded):
                spans.append(replace(s, start=raw_at[s.start], end=raw_at[s.end]))
        return spans

    def _document_spans(
        self,
        words: list[str],
        blocked: bytearray,
        starts: array[int],
        ends: array[int],
        docs: list[_Document],
    ) -> list[Span]:
        """Greedy maximal runs, left to right: at each word the longest run any document has."""
        n = self._n
        if not docs or len(words) < n:
            return []
        hashes = shingle_hashes(word_hashes(words), n)
        found = [(doc, *doc.shingles.lookup(hashes)) for doc in docs]
        spans: list[Span] = []
        i = 0
        while i < len(hashes):
            if any(blocked[i : i + n]):
                i += 1
                continue
            best: tuple[int, _Document | None, int, int] = (0, None, 0, 0)
            for candidate, lo, hi in found:
                first, last = int(lo[i]), min(int(hi[i]), int(lo[i]) + _MAX_CANDIDATES)
                for c in range(first, last):
                    run = _extend(candidate, int(candidate.shingles.firsts[c]), words, i, blocked)
                    if run[0] >= n and run[0] > best[0]:
                        best = (run[0], candidate, run[1], run[2])
            length, doc, doc_start, doc_end = best
            if doc is None:  # a hash collision, or only in documents not asked about
                i += 1
                continue
            blocked[i : i + length] = b"\x01" * length
            page = doc.page_of(doc_start) if doc.page_of is not None else None
            spans.append(
                Span(starts[i], ends[i + length - 1], "document", doc.id, doc_start, doc_end, page)
            )
            i += length
        return spans

    def _user_runs(self, q: list[int], blocked: bytearray) -> list[tuple[int, int, int]]:
        """User runs as (outbound word start, end, message index)."""
        runs = []
        for i, j, pos in self._users.match(q, blocked, None):
            blocked[i:j] = b"\x01" * (j - i)
            runs.append((i, j, self._users.source_of(pos)))
        for msg, words in self._short_messages:  # a whole short question, verbatim
            k = len(words)
            for i in range(len(q) - k + 1):
                if (
                    q[i] == words[0]
                    and tuple(q[i : i + k]) == words
                    and not any(blocked[i : i + k])
                ):
                    blocked[i : i + k] = b"\x01" * k
                    runs.append((i, i + k, msg))
        return runs


def _extend(
    doc: _Document, first: int, words: list[str], i: int, blocked: bytearray
) -> tuple[int, int, int]:
    """How far the outbound words from ``i`` match the document's from word ``first``.

    Returns (words matched, document offset of the first, document offset past the last).
    """
    length, doc_start, doc_end = 0, 0, 0
    for m in doc.shingles.words_from(first):
        at = i + length
        if at >= len(words) or blocked[at] or normalize(m.group()) != words[at]:
            break
        if length == 0:
            doc_start = m.start()
        doc_end = m.end()
        length += 1
    return length, doc_start, doc_end


def _decode_json_string(literal: str, at: int) -> tuple[str, list[int]]:
    """A JSON string literal decoded, with the raw offset of each decoded character (+ one past)."""
    body_at = at + 1
    inner = literal[1:-1]
    parts: list[str] = []
    raw_at: list[int] = []
    pos = 0
    for m in _JSON_ESCAPE.finditer(inner):
        parts.append(inner[pos : m.start()])
        raw_at.extend(range(body_at + pos, body_at + m.start()))
        char = json.loads(f'"{m.group()}"')
        parts.append(char)
        raw_at.extend([body_at + m.start()] * len(char))
        pos = m.end()
    parts.append(inner[pos:])
    raw_at.extend(range(body_at + pos, body_at + len(inner) + 1))
    return "".join(parts), raw_at


def contains_run_from(
    index: ProvenanceIndex, outbound: str, document_ids: Collection[str]
) -> list[Span]:
    """Verbatim runs of these documents in ``outbound``; empty means the guard may pass it."""
    return index.find_document_runs(outbound, document_ids)


def leak_coverage(doc_length: int, intervals: Iterable[tuple[int, int]]) -> tuple[int, float]:
    """Characters of a document covered by the union of ``intervals``, and their share."""
    covered = 0
    cur_start = cur_end = -1
    for start, end in sorted((max(0, s), min(doc_length, e)) for s, e in intervals):
        if end <= start:
            continue
        if start > cur_end:
            covered += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    covered += cur_end - cur_start
    return covered, (covered / doc_length if doc_length > 0 else 0.0)
