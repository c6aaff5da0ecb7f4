"""Ingest benchmark: extraction plus chunking of a 500-page PDF and a large text file, and
what the text cache saves on a second load.

Extraction: our pipeline (hash, sniff, extract, cache write, chunk) against a bare read of
the same file (pypdf's ``extract_text`` loop; ``read_text``), in pairs that alternate which
runs first, repeated; the medians and the median of the per-pair ratios are printed.
Targets: within 1.3x of the bare PDF time, and peak memory under 3x the extracted text.

Cache: for each run, a fresh cache; the first load of the text file (parse and write the
cache) and then a second load of the same, unchanged file, timed as a pair. The second load
is measured twice: for a file the cache has seen at this path (its size, times and inode
match, so it is not read again), and for the same bytes at a new path (read and hashed,
then found by content). Target: a second load faster than the first. ``--strict`` exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from core.documents import chunk_document, load_document_sync
from tests.docfixtures import make_pdf

PDF_PAGES = 500
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


def write_text(path: Path, megabytes: int) -> None:
    rng = random.Random(11)
    paragraph_pool = [
        " ".join(prose_line(rng) for _ in range(rng.randint(2, 9))) for _ in range(500)
    ]
    target = megabytes * 1024 * 1024
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


class Homes:
    """A fresh MINIONS_HOME (so a cold cache) whenever asked."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def fresh(self) -> Path:
        self.count += 1
        home = self.root / f"home{self.count}"
        os.environ["MINIONS_HOME"] = str(home)
        return home


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def paired(
    bare: Callable[[], object], ours: Callable[[], object], runs: int
) -> tuple[float, float, float]:
    """Median bare time, median our time, median per-pair ratio; the order alternates."""
    bare_times, our_times, ratios = [], [], []
    for run in range(runs):
        if run % 2 == 0:
            b, o = timed(bare), timed(ours)
        else:
            o, b = timed(ours), timed(bare)
        bare_times.append(b)
        our_times.append(o)
        ratios.append(o / b)
    return statistics.median(bare_times), statistics.median(our_times), statistics.median(ratios)


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
    parser.add_argument("--runs", type=int, default=5, help="pairs per measurement (default 5)")
    parser.add_argument("--text-mb", type=int, default=60, help="size of the text file")
    parser.add_argument("--skip-pdf", action="store_true", help="only the text and cache parts")
    args = parser.parse_args()
    previous_home = os.environ.get("MINIONS_HOME")
    missed = False
    with tempfile.TemporaryDirectory(prefix="minions-bench-") as scratch:
        root = Path(scratch)
        homes = Homes(root / "homes")
        pdf, text = root / "report.pdf", root / "notes.txt"
        write_pdf(pdf)
        write_text(text, args.text_mb)
        # A file the user drops has usually not been written in the last seconds; the cache
        # does not trust its record of a file modified just before it was read.
        an_hour_ago = time.time() - 3600
        os.utime(text, (an_hour_ago, an_hour_ago))

        def ours(path: Path) -> int:
            homes.fresh()
            return len(chunk_document(load_document_sync(path)))

        print(f"inputs: {PDF_PAGES}-page PDF ({mb(pdf.stat().st_size)}), "
              f"text file ({mb(text.stat().st_size)}); {args.runs} alternating pairs per "
              "measurement, medians; cold cache for every extraction")  # fmt: skip

        if not args.skip_pdf:
            base_pdf, our_pdf, pdf_ratio = paired(
                lambda: bare_pypdf(pdf), lambda: ours(pdf), args.runs
            )
            homes.fresh()
            pdf_text_bytes = sys.getsizeof(load_document_sync(pdf).text)
            pdf_peak = peak_memory(lambda: ours(pdf))
            print("\nPDF")
            print(f"  bare pypdf extract_text loop  {base_pdf:6.2f} s  "
                  f"{PDF_PAGES / base_pdf:7.1f} pages/s")  # fmt: skip
            print(f"  extraction + chunking (ours)  {our_pdf:6.2f} s  "
                  f"{PDF_PAGES / our_pdf:7.1f} pages/s")  # fmt: skip
            print(f"  time ratio ours/bare          {pdf_ratio:6.2f} x   target <= 1.30  "
                  f"{verdict(pdf_ratio <= 1.3)}")  # fmt: skip
            print(f"  peak memory (ours)            {mb(pdf_peak)} = "
                  f"{pdf_peak / pdf_text_bytes:.2f} x text   target < 3.00  "
                  f"{verdict(pdf_peak < 3 * pdf_text_bytes)}")  # fmt: skip
            missed |= pdf_ratio > 1.3 or pdf_peak >= 3 * pdf_text_bytes

        size = text.stat().st_size
        base_text, our_text, text_ratio = paired(
            lambda: bare_read(text), lambda: ours(text), args.runs
        )
        homes.fresh()
        text_bytes = sys.getsizeof(load_document_sync(text).text)
        text_peak = peak_memory(lambda: ours(text))
        print("\nText")
        print(f"  bare read_text                {base_text:6.2f} s  "
              f"{size / base_text / 2**20:7.1f} MB/s")  # fmt: skip
        print(f"  extraction + chunking (ours)  {our_text:6.2f} s  "
              f"{size / our_text / 2**20:7.1f} MB/s   ratio ours/bare {text_ratio:.2f} x")  # fmt: skip
        print(f"  peak memory (ours)            {mb(text_peak)} = "
              f"{text_peak / text_bytes:.2f} x text   target < 3.00  "
              f"{verdict(text_peak < 3 * text_bytes)}")  # fmt: skip
        missed |= text_peak >= 3 * text_bytes

        firsts, seconds, moved, ratios, moved_ratios = [], [], [], [], []
        for run in range(args.runs):
            homes.fresh()
            first = timed(lambda: load_document_sync(text))
            second = timed(lambda: load_document_sync(text))
            copy = root / f"copy{run}.txt"
            shutil.copyfile(text, copy)
            os.utime(copy, (an_hour_ago, an_hour_ago))
            elsewhere = timed(lambda c=copy: load_document_sync(c))  # type: ignore[misc]
            copy.unlink()
            firsts.append(first)
            seconds.append(second)
            moved.append(elsewhere)
            ratios.append(second / first)
            moved_ratios.append(elsewhere / first)
        first_load = statistics.median(firsts)
        second_load = statistics.median(seconds)
        print(f"\nCache: the {mb(size)} text file loaded twice (load_document_sync, no chunking)")
        print(f"  first load (parse, write cache)         {first_load:6.3f} s")
        print(f"  second load, same file                  {second_load:6.3f} s   "
              f"ratio {statistics.median(ratios):.2f} x  target < 1.00  "
              f"{verdict(statistics.median(ratios) < 1)}")  # fmt: skip
        print(f"  second load, same bytes at a new path   {statistics.median(moved):6.3f} s   "
              f"ratio {statistics.median(moved_ratios):.2f} x")  # fmt: skip
        missed |= statistics.median(ratios) >= 1

        if not args.skip_pdf:
            homes.fresh()
            load_document_sync(pdf)
            warm = statistics.median(timed(lambda: load_document_sync(pdf)) for _ in range(3))
            print(f"\nCached PDF load (same file again): {warm * 1000:.1f} ms")
    if previous_home is None:
        os.environ.pop("MINIONS_HOME", None)
    else:
        os.environ["MINIONS_HOME"] = previous_home
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
