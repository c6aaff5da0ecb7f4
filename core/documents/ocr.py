"""OCR on this computer: text from a page image, for scans and photos of pages.

The engine is RapidOCR (``rapidocr-onnxruntime``): PP-OCRv4 text detection and recognition
models that ship inside the wheel and run on ONNX Runtime, so nothing is downloaded and no
page leaves the machine. One engine per process, made on first use (about a second).

Pages are detected on a reduced copy (detection needs layout, not detail) and recognised
from the full image, scaled so that lines are about LINE_PIXELS high and cleaned of
speckle: the recogniser (trained mostly on Chinese) drops the spaces between English words
when lines are much smaller or larger than that, or noisy.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
from dataclasses import dataclass
from typing import Any, cast

from PIL import Image

DETECT_SIDE = 1280  # longest side of the copy that text detection looks at
LINE_PIXELS = 44  # height of a detected line box at which recognition keeps word spaces best
MAX_ENLARGED_PIXELS = 40_000_000
MIN_SCORE = 0.5  # recognition confidence below which a box is dropped as noise

_engine: Any = None
_engine_lock = threading.Lock()
# cv2 (imported by RapidOCR) points Qt at its own plugins through the environment; in a
# process that also runs PySide6 that would break the window, so the variables are put back.
_QT_VARIABLES = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "LD_LIBRARY_PATH")


class OcrUnavailable(Exception):
    """The OCR package is not installed (a trimmed-down install)."""


def ocr_threads() -> int:
    """Threads for one page: half the cores. ONNX Runtime's threads spin while they wait,
    so on a busy machine (the window, a local model server) more threads read slower: on
    this 2-core machine under load one thread read a page in 14 s, two in 21-30 s."""
    return max(1, (os.cpu_count() or 2) // 2)


def engine() -> Any:
    """The process's OCR engine, made on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            saved = {name: os.environ.get(name) for name in _QT_VARIABLES}
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise OcrUnavailable(str(exc)) from exc
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            threads = ocr_threads()
            # "max": detection never enlarges a page (its default stretches the short side
            # to 736 pixels, which makes a wide strip of text many times slower).
            _engine = RapidOCR(
                intra_op_num_threads=threads, inter_op_num_threads=1, det_limit_type="max"
            )
        return _engine


@dataclass(frozen=True, slots=True)
class _Box:
    text: str
    left: float
    top: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


def read_image(image: Image.Image) -> str:
    """The text on ``image``, line by line, with a blank line between paragraphs."""
    import numpy as np

    page = _flatten(image)
    low, high = cast(tuple[float, float], page.getextrema())  # one band: grey levels
    if high - low < 16:
        return ""  # a blank page: nothing for detection to find
    ocr = engine()
    scale = min(1.0, DETECT_SIDE / max(page.size))
    small = (
        page
        if scale == 1.0
        else page.resize(
            (max(1, round(page.width * scale)), max(1, round(page.height * scale))),
            Image.Resampling.BILINEAR,
        )
    )
    boxes, _ = ocr.text_det(_bgr(np, small))
    if boxes is None or len(boxes) == 0:
        return ""
    boxes = [np.asarray(box, dtype=np.float32) / scale for box in boxes]
    typical = statistics.median(float(box[:, 1].max() - box[:, 1].min()) for box in boxes)
    # Lines are brought to the height the recogniser reads best, larger or smaller.
    resize = min(3.0, max(0.5, LINE_PIXELS / typical)) if typical > 0 else 1.0
    resize = min(resize, (MAX_ENLARGED_PIXELS / (page.width * page.height)) ** 0.5)
    if abs(resize - 1.0) > 0.08:
        size = (max(1, round(page.width * resize)), max(1, round(page.height * resize)))
        page = page.resize(size, Image.Resampling.LANCZOS)
        boxes = [box * resize for box in boxes]
    cv2 = sys.modules["cv2"]  # imported by RapidOCR
    # A 3x3 median takes out JPEG and scanner speckle, which otherwise reads as ink between
    # words and costs the spaces.
    crops = [cv2.medianBlur(crop, 3) for crop in ocr.get_crop_img_list(_bgr(np, page), boxes)]
    results, _ = ocr.text_rec(crops)
    found = [
        _Box(
            str(text).strip(),
            float(box[:, 0].min()),
            float(box[:, 1].min()),
            float(box[:, 1].max()),
        )
        for box, (text, score, *_) in zip(boxes, results, strict=True)
        if float(score) >= MIN_SCORE and str(text).strip()
    ]
    return layout(found)


def layout(boxes: list[_Box]) -> str:
    """Boxes in reading order: lines top to bottom, words left to right, paragraphs apart."""
    if not boxes:
        return ""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        line = lines[-1] if lines else None
        if line is not None and _same_line(line, box):
            line.append(box)
        else:
            lines.append([box])
    typical = statistics.median(box.height for box in boxes)
    out: list[str] = []
    previous_bottom = None
    for line in lines:
        top = min(box.top for box in line)
        if previous_bottom is not None and top - previous_bottom > 0.9 * typical:
            out.append("")
        out.append(" ".join(box.text for box in sorted(line, key=lambda b: b.left)))
        previous_bottom = max(box.bottom for box in line)
    return "\n".join(out)


def _same_line(line: list[_Box], box: _Box) -> bool:
    return min(b.top for b in line) <= box.middle <= max(b.bottom for b in line)


def _flatten(image: Image.Image) -> Image.Image:
    """Grey levels on white: transparency composited onto paper, colour dropped."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    return image.convert("L")


def _bgr(np: Any, image: Image.Image) -> Any:
    grey = np.asarray(image, dtype=np.uint8)
    return np.ascontiguousarray(np.stack([grey, grey, grey], axis=-1))
