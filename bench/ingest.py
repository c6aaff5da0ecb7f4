"""Ingest benchmark: extraction plus chunking of a 500-page PDF and a 20 MB text file.

Compares our pipeline (hash, sniff, extract, cache write, chunk) against pypdf's bare
``extract_text`` loop in the same run. Targets: within 1.3x of the bare time, and peak
memory under 3x the extracted text. ``--strict`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from core.documents import chunk_document, load_document_sync
from tests.docfixtures import make_pdf

T = TypeVar("T")
PDF_PAGES = 500
TEXT_MB = 20
RUNS = 3
VOCABULARY = (
    "the committee reviewed quarterly figures and noted that revenue in the northern region "
    "grew while costs for logistics staff travel and software licences rose slightly over plan"
)
WORDS = VOCABULARY.split()


def prose_line(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_pdf(path: Path) -> None:
    rng = random.Random(7)
    pages = [[prose_line(rng) for _ in range(46)] for _ in range(PDF_PAGES)]
    path.write_bytes(make_pdf(pages))


def write_text(path: Path) -> None:
    rng = random.Random(11)
    paragraph_pool = [
        " ".join(prose_line(rng) for _ in range(rng.randint(2, 9))) for _ in range(500)
    ]
    target = TEXT_MB * 1024 * 1024
    with path.open("w", encoding="utf-8") as handle:
        written = 0
        while written < target:
            paragraph = rng.choice(paragraph_pool) + "\n\n"
            handle.write(paragraph)
            written += len(paragraph)


def bare_pypdf(path: Path) -> int:
    reader = PdfReader(path)
    return sum(len(page.extract_text()) for page in reader.pages)


def bare_read(path: Path) -> int:
    return len(path.read_text(encoding="utf-8"))


class Pipeline:
    """load_document_sync with a cold cache each run, then chunk_document."""

    def __init__(self, homes: Path) -> None:
        self.homes = homes
        self.runs = 0

    def __call__(self, path: Path) -> tuple[int, int]:
        self.runs += 1
        os.environ["MINIONS_HOME"] = str(self.homes / f"run{self.runs}")
        doc = load_document_sync(path)
        chunks = chunk_document(doc)
        return sys.getsizeof(doc.text), len(chunks)


def best_time(fn: Callable[[], T], runs: int = RUNS) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def peak_memory(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak


def mb(size: float) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    previous_home = os.environ.get("MINIONS_HOME")
    missed = False
    with tempfile.TemporaryDirectory(prefix="minions-bench-") as scratch:
        root = Path(scratch)
        pdf, text = root / "report.pdf", root / "notes.txt"
        write_pdf(pdf)
        write_text(text)
        ours = Pipeline(root / "homes")
        print(f"inputs: {PDF_PAGES}-page PDF ({mb(pdf.stat().st_size)}), "
              f"text file ({mb(text.stat().st_size)}); best of {RUNS} runs, cold cache")  # fmt: skip

        base_pdf, _ = best_time(lambda: bare_pypdf(pdf))
        our_pdf, (pdf_text_bytes, pdf_chunks) = best_time(lambda: ours(pdf))
        pdf_ratio = our_pdf / base_pdf
        pdf_peak = peak_memory(lambda: ours(pdf))
        base_pdf_peak = peak_memory(lambda: bare_pypdf(pdf))
        print("\nPDF")
        print(
            f"  bare pypdf extract_text loop  {base_pdf:6.2f} s  {PDF_PAGES / base_pdf:7.1f} pages/s"
        )
        print(f"  extraction + chunking (ours)  {our_pdf:6.2f} s  {PDF_PAGES / our_pdf:7.1f} pages/s"
              f"  -> {pdf_chunks} chunks")  # fmt: skip
        print(
            f"  time ratio ours/bare          {pdf_ratio:6.2f} x   target <= 1.30  {verdict(pdf_ratio <= 1.3)}"
        )
        print(f"  extracted text                {mb(pdf_text_bytes)}")
        print(f"  peak memory (ours)            {mb(pdf_peak)} = {pdf_peak / pdf_text_bytes:.2f} x text"
              f"   target < 3.00  {verdict(pdf_peak < 3 * pdf_text_bytes)}")  # fmt: skip
        print(f"  peak memory (bare pypdf)      {mb(base_pdf_peak)} = "
              f"{base_pdf_peak / pdf_text_bytes:.2f} x text (for reference)")  # fmt: skip
        missed |= pdf_ratio > 1.3 or pdf_peak >= 3 * pdf_text_bytes

        size = text.stat().st_size
        base_text, _ = best_time(lambda: bare_read(text))
        our_text, (text_bytes, text_chunks) = best_time(lambda: ours(text))
        text_peak = peak_memory(lambda: ours(text))
        print("\nText")
        print(
            f"  bare read_text                {base_text:6.2f} s  {size / base_text / 2**20:7.1f} MB/s"
        )
        print(f"  extraction + chunking (ours)  {our_text:6.2f} s  {size / our_text / 2**20:7.1f} MB/s"
              f"  -> {text_chunks} chunks")  # fmt: skip
        print(f"  peak memory (ours)            {mb(text_peak)} = {text_peak / text_bytes:.2f} x text"
              f"   target < 3.00  {verdict(text_peak < 3 * text_bytes)}")  # fmt: skip
        missed |= text_peak >= 3 * text_bytes

        os.environ["MINIONS_HOME"] = str(root / "homes" / "warm")
        load_document_sync(pdf)
        warm, _ = best_time(lambda: load_document_sync(pdf))
        print(f"\nCached PDF load (same file again): {warm * 1000:.1f} ms")
    if previous_home is None:
        os.environ.pop("MINIONS_HOME", None)
    else:
        os.environ["MINIONS_HOME"] = previous_home
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
