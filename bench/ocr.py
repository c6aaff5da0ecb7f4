"""OCR benchmark: scanned pages read through the real loader (pypdf finds no text layer,
PDFium renders the page, RapidOCR reads it), on this machine.

Makes a PDF of page images like a scanner's output (A4 at 300 dpi, body text about 11 pt,
JPEG-compressed), loads it with ``load_document_sync`` and a cold cache several times, and
prints the median pages per second and how much of the text came back word for word. The
OCR engine is made once before the timed runs (as the app's ingest worker keeps it).
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont

from core.documents import load_document_sync
from core.documents.ocr import engine, ocr_threads

A4 = (2480, 3508)  # pixels at 300 dpi
FONT_PIXELS = 46  # 11 pt at 300 dpi
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
VOCABULARY = (
    "account balance invoice payment statement transfer reference customer period interest "
    "rate annual summary total amount due date received thank you for your letter of march "
    "we confirm that the contract will be renewed on the same terms as last year please sign "
    "and return one copy before the end of the month"
)
WORDS = VOCABULARY.split()


def font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if os.path.exists(SERIF):
        return ImageFont.truetype(SERIF, FONT_PIXELS)
    return ImageFont.load_default(size=FONT_PIXELS)


def page_lines(rng: random.Random, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(7, 11))]
        words.insert(rng.randrange(len(words)), f"{rng.randint(100, 99999):,}")
        lines.append(" ".join(words).capitalize() + ".")
    return lines


def scan(lines: list[str], face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> Image.Image:
    image = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((220, 300 + number * int(FONT_PIXELS * 1.9)), line, fill=20, font=face)
    return image.convert("RGB")


def make_scanned_pdf(path: Path, pages: int, lines_per_page: int) -> list[list[str]]:
    rng = random.Random(5)
    face = font()
    texts = [page_lines(rng, lines_per_page) for _ in range(pages)]
    images = [scan(lines, face) for lines in texts]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=300, save_all=True, append_images=images[1:], quality=75)
    path.write_bytes(out.getvalue())
    return texts


def word_accuracy(expected: list[list[str]], text: str) -> float:
    want = " ".join(" ".join(lines) for lines in expected).split()
    got = text.split()
    matcher = difflib.SequenceMatcher(a=want, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(want)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--lines", type=int, default=30, help="lines of text per page")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minions-ocr-bench-") as scratch:
        root = Path(scratch)
        pdf = root / "scan.pdf"
        expected = make_scanned_pdf(pdf, args.pages, args.lines)
        started = time.perf_counter()
        engine()
        print(f"OCR engine ready in {time.perf_counter() - started:.2f} s "
              f"({ocr_threads()} thread(s) per page; {os.cpu_count()} cores)")  # fmt: skip
        print(f"input: {args.pages} scanned A4 pages at 300 dpi, {args.lines} lines each, "
              f"{'DejaVu Serif' if os.path.exists(SERIF) else 'Pillow default font'}, "
              f"{pdf.stat().st_size / 1024:.0f} KB; {args.runs} runs, cold cache")  # fmt: skip
        rates, accuracy = [], 0.0
        for run in range(args.runs):
            os.environ["MINIONS_HOME"] = str(root / f"home{run}")
            start = time.perf_counter()
            doc = load_document_sync(pdf)
            elapsed = time.perf_counter() - start
            rates.append(args.pages / elapsed)
            accuracy = word_accuracy(expected, doc.text)
            print(f"  run {run + 1}: {elapsed:6.2f} s  {args.pages / elapsed:5.2f} pages/s")
        print(f"median: {statistics.median(rates):.2f} pages/s "
              f"({1 / statistics.median(rates):.1f} s per page)")  # fmt: skip
        print(f"words read exactly, in order: {accuracy:.1%}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine load average (1 min) at the end: {load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
