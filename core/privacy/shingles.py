"""One document's word shingles for provenance, as compact arrays cached on disk.

For every run of ``n`` words (a shingle) the document holds, a 32-bit hash and the index
of its first word, sorted by hash: eight bytes a word, memory-mapped from the data
folder's cache (keyed by a digest of the whole text), so a run touches only the pages its
lookups need. A hash hit is a candidate, never a verdict: the words are read again from
the document's text and compared one by one.

Word positions map back to text offsets through blocks: the text is cut at spaces into
blocks of about ``BLOCK_CHARS``; each block's first character and first word are kept,
and a word is found by reading at most one block.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from core.storage.paths import cache_dir

log = logging.getLogger(__name__)

WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W")
_WORD_BYTES = re.compile(rb"\w+")  # on ASCII text, the same words as WORD
SHINGLES_VERSION = 1
BLOCK_CHARS = 1024
CACHE_MIN_CHARS = 1 << 16
_BATCH_CHARS = 1 << 20  # text tokenised per batch while building, to keep memory flat
_MULTIPLIER = 1099511628211  # the 64-bit FNV prime: mixes word hashes into a shingle hash
_MASK = (1 << 64) - 1


def normalize(word: str) -> str:
    """A word as provenance compares it: case-folded, NFKC-normalised."""
    return word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()


def tokens(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    return WORD.finditer(text, start, len(text) if end is None else end)


def word_hashes(words: Sequence[str]) -> Any:
    """A stable 32-bit hash per normalised word (crc32: Python's own hash changes per process)."""
    return _crc32s([w.encode("utf-8", "surrogatepass") for w in words])


def _crc32s(words: Sequence[bytes]) -> Any:
    import numpy as np

    return np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))


def shingle_hashes(hashes: Any, n: int) -> Any:
    """The 32-bit hash of every ``n``-word shingle, from the words' hashes."""
    import numpy as np

    count = len(hashes) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint32)
    mixed = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as a hash should
        for k in range(n):
            mixed = mixed * np.uint64(_MULTIPLIER) + hashes[k : k + count]
    return (mixed ^ (mixed >> np.uint64(32))).astype(np.uint32)


class DocumentShingles:
    """The sorted shingle hashes of one text, their first words, and the block table."""

    def __init__(self, text: str, n: int, arrays: dict[str, Any]) -> None:
        self.text = text
        self.n = n
        self.hashes = arrays["hashes"]  # uint32, sorted
        self.firsts = arrays["firsts"]  # uint32: the first word of each shingle
        self.block_chars = arrays["block_chars"]  # uint32: where each block starts
        self.block_words = arrays["block_words"]  # uint32: the index of its first word

    @classmethod
    def open(cls, text: str, n: int) -> DocumentShingles:
        """The cached arrays of ``text``, built now when there are none (in a thread, please)."""
        if len(text) < CACHE_MIN_CHARS:  # built in a few milliseconds: not worth a file
            return cls(text, n, _build(text, n))
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
        folder = cache_dir() / "provenance" / f"{digest.hexdigest()}.n{n}.v{SHINGLES_VERSION}"
        arrays = _load(folder)
        if arrays is None:
            arrays = _build(text, n)
            _save(folder, arrays)
        return cls(text, n, arrays)

    def lookup(self, hashes: Any) -> tuple[Any, Any]:
        """For each shingle hash, the range ``[lo, hi)`` of its equals among the document's."""
        import numpy as np

        return (
            np.searchsorted(self.hashes, hashes, side="left"),
            np.searchsorted(self.hashes, hashes, side="right"),
        )

    def words_from(self, word: int) -> Iterator[re.Match[str]]:
        """The document's words from word number ``word`` on (a lazy scan of its text)."""
        import numpy as np

        block = int(np.searchsorted(self.block_words, word, side="right")) - 1
        skip = word - int(self.block_words[block])
        scan = tokens(self.text, int(self.block_chars[block]))
        for _ in range(skip):
            next(scan, None)
        return scan


def _build(text: str, n: int) -> dict[str, Any]:
    import numpy as np

    hashes: list[Any] = []
    block_chars: list[int] = []
    block_words: list[int] = []
    count = 0
    for start, end in _cuts(text, 0, len(text), _BATCH_CHARS):
        words: list[bytes] = []
        for b_start, b_end in _cuts(text, start, end, BLOCK_CHARS):
            block = text[b_start:b_end]
            if block.isascii():  # the common case, tokenised in C
                found = _WORD_BYTES.findall(block.lower().encode("ascii"))
            else:
                found = [normalize(w).encode("utf-8", "surrogatepass") for w in WORD.findall(block)]
            block_chars.append(b_start)
            block_words.append(count + len(words))
            words.extend(found)
        count += len(words)
        hashes.append(_crc32s(words))
    all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    shingles = shingle_hashes(all_hashes, n)
    order = np.argsort(shingles).astype(np.uint32)
    return {
        "hashes": shingles[order],
        "firsts": order,
        "block_chars": np.asarray(block_chars or [0], dtype=np.uint32),
        "block_words": np.asarray(block_words or [0], dtype=np.uint32),
    }


def _cuts(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` in pieces of about ``size``, each cut before a non-word character."""
    position = start
    while position < end:
        cut = min(end, position + size)
        if cut < end:
            gap = _NON_WORD.search(text, cut, end)
            cut = end if gap is None else gap.start()
        yield position, cut
        position = cut


def _load(folder: Path) -> dict[str, Any] | None:
    import numpy as np

    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta.get("version") != SHINGLES_VERSION:
            return None
        return {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in meta["arrays"]}
    except (OSError, ValueError, KeyError) as exc:
        if folder.exists():
            log.warning("ignoring unreadable provenance cache %s: %s", folder.name, exc)
        return None


def _save(folder: Path, arrays: dict[str, Any]) -> None:
    """Cache the arrays; a failure only costs a rebuild next time."""
    import numpy as np

    partial = folder.with_name(f"{folder.name}.{os.getpid()}-{threading.get_ident()}.partial")
    try:
        partial.mkdir(parents=True, exist_ok=True)
        for name, array in arrays.items():
            np.save(partial / f"{name}.npy", array)
        meta = {"version": SHINGLES_VERSION, "arrays": sorted(arrays)}
        (partial / "meta.json").write_text(json.dumps(meta), "utf-8")  # last: marks it whole
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
    except OSError as exc:
        log.warning("could not cache provenance shingles: %s", exc)
        shutil.rmtree(partial, ignore_errors=True)
