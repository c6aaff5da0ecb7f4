"""One document's chunks, indexed on disk for ranking: SQLite FTS5 (BM25) and optional vectors.

The index lives in the data folder's cache, one file per document and chunking
(``cache/index/<document id>.<chunking digest>.v<N>.sqlite3``), so it is built once,
when the document is added or first asked about, and read back on every later question.
The file holds no text: the FTS5 table is contentless (only its term index is stored),
and the vectors are float32 blobs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.documents.model import Chunk, Document
from core.storage.paths import cache_dir

log = logging.getLogger(__name__)

INDEX_VERSION = 1  # bump when the table layout or the tokenizer changes
_TOKENIZER = "porter unicode61 remove_diacritics 2"
_WORD = re.compile(r"\w+")
# Words that say nothing about where a fact is; left out of the ranking query.
_STOPWORD_TEXT = (
    "a an and are as at be been but by can could did do does for from had has have how i if "
    "in into is it its list many me my of on or our please say says should so tell than that "
    "the their them then there these they this those to us was we were what when where which "
    "who whom whose why will with would you your"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
MAX_QUERY_TERMS = 32


def chunking_digest(chunks: Sequence[Chunk]) -> str:
    """Names one way of cutting one text: the chunks' boundaries, hashed."""
    digest = hashlib.blake2b(digest_size=8)
    for chunk in chunks:
        digest.update(b"%d:%d;" % (chunk.char_start, chunk.char_end))
    return digest.hexdigest()


def text_fingerprint(text: str) -> str:
    """A cheap check that an index file belongs to this text (its id is a content hash)."""
    sample = f"{len(text)}|{text[:4096]}|{text[-4096:]}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(sample, digest_size=12).hexdigest()


def query_terms(text: str) -> list[str]:
    """The distinct words of ``text`` worth ranking by, in order, lower-cased."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in _STOPWORDS and (len(word) > 1 or word.isdigit()):
            terms.setdefault(word, None)
    return list(terms)[:MAX_QUERY_TERMS]


class ChunkIndex:
    """The BM25 index (and stored vectors) of one document's chunks; rowid = chunk index.

    A cached index is opened per query (a SQLite connection costs well under a
    millisecond), so nothing stays open between questions; an index that could not be
    cached lives in memory for its run.
    """

    def __init__(self, path: Path | None, chunk_count: int, memory: sqlite3.Connection | None):
        self.path = path
        self.chunk_count = chunk_count
        self._memory = memory
        self._lock = threading.Lock()  # the in-memory one is shared by the loop and a thread

    # --- building and opening ---

    @classmethod
    def open(cls, doc: Document, chunks: Sequence[Chunk]) -> ChunkIndex:
        """The cached index of these chunks, built now if there is none (a few seconds at most).

        An unusable cache file is rebuilt; when the cache cannot be written at all the
        index is kept in memory for this run.
        """
        fingerprint = text_fingerprint(doc.text)
        try:
            path = index_path(doc, chunks)
            path.parent.mkdir(parents=True, exist_ok=True)
            if _usable(path, fingerprint, len(chunks)):
                return cls(path, len(chunks), None)
            return cls._build(path, fingerprint, chunks)
        except (sqlite3.Error, OSError) as exc:
            log.warning("index of %s not cached (%s); kept in memory", doc.id, exc)
            return cls._build(None, fingerprint, chunks)

    @classmethod
    def _build(cls, path: Path | None, fingerprint: str, chunks: Sequence[Chunk]) -> ChunkIndex:
        if path is None:
            memory = sqlite3.connect(":memory:", check_same_thread=False)
            _fill(memory, fingerprint, chunks)
            return cls(None, len(chunks), memory)
        # Built under a private name and moved into place, so a reader never sees half of it.
        partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.partial")
        partial.unlink(missing_ok=True)
        db = sqlite3.connect(partial)
        try:
            _fill(db, fingerprint, chunks)
        finally:
            db.close()
        os.replace(partial, path)
        return cls(path, len(chunks), None)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._lock:
                yield self._memory
            return
        assert self.path is not None
        db = sqlite3.connect(self.path)
        try:
            yield db
        finally:
            db.close()

    # --- ranking ---

    def bm25(self, terms: Sequence[str]) -> list[int]:
        """Chunk indexes holding any of ``terms``, best BM25 score first."""
        if not terms:
            return []
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        sql = "SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks)"
        with self._db() as db:
            try:
                return [row[0] for row in db.execute(sql, (match,))]
            except sqlite3.OperationalError as exc:  # a term FTS5 cannot parse: no ranking
                log.warning("ranking query failed: %s", exc)
                return []

    # --- vectors ---

    def vectors(self, model: str) -> dict[int, bytes]:
        """Stored float32 vectors of ``model``, by chunk index."""
        with self._db() as db:
            rows = db.execute("SELECT chunk, vector FROM vectors WHERE model = ?", (model,))
            return dict(rows.fetchall())

    def missing_vectors(self, model: str) -> list[int]:
        have = set(self.vectors(model))
        return [i for i in range(self.chunk_count) if i not in have]

    def store_vectors(self, model: str, vectors: dict[int, bytes]) -> None:
        with self._db() as db, db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                ((model, chunk, blob) for chunk, blob in vectors.items()),
            )


def index_path(doc: Document, chunks: Sequence[Chunk]) -> Path:
    return cache_dir() / "index" / f"{doc.id}.{chunking_digest(chunks)}.v{INDEX_VERSION}.sqlite3"


def _usable(path: Path, fingerprint: str, count: int) -> bool:
    """Whether the file at ``path`` is a complete index of this text and chunking."""
    if not path.exists():
        return False
    try:
        db = sqlite3.connect(path)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        meta = {}
    if meta.get("fingerprint") == fingerprint and meta.get("chunks") == str(count):
        return True
    path.unlink(missing_ok=True)  # damaged, or another text under this name: rebuild
    return False


def _fill(db: sqlite3.Connection, fingerprint: str, chunks: Sequence[Chunk]) -> None:
    with db:
        db.execute(
            f"CREATE VIRTUAL TABLE chunks USING fts5(body, tokenize='{_TOKENIZER}', content='')"
        )
        db.execute("CREATE TABLE vectors (model TEXT, chunk INTEGER, vector BLOB, "
                   "PRIMARY KEY (model, chunk))")  # fmt: skip
        db.executemany(
            "INSERT INTO chunks (rowid, body) VALUES (?, ?)",
            ((chunk.index, chunk.text) for chunk in chunks),
        )
        # Written last: an index without its meta row is never taken for a complete one.
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("fingerprint", fingerprint), ("chunks", str(len(chunks)))],
        )
