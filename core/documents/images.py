"""Images of pages (PNG, JPEG, TIFF with one page per frame), read by OCR."""

from __future__ import annotations

import io

from core.documents import limits
from core.documents.extraction import Extraction, Source, join_pages, page_ranges
from core.documents.model import DocumentError
from core.documents.ocr import OcrUnavailable, read_image

_FORMATS = {"PNG", "JPEG", "MPO", "TIFF"}


def load_image(data: bytes, source: Source) -> Extraction:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    name = source.name
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DocumentError("corrupt", f"{name} is damaged or not an image ({exc}).") from exc
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(name) from exc
    if image.format not in _FORMATS:
        raise DocumentError(
            "unsupported", f"{name} is a {image.format} image; PNG, JPEG and TIFF are read."
        )
    frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
    if frames > limits.IMAGE_MAX_FRAMES:
        raise DocumentError(
            "too_large",
            f"{name} has {frames:,} pages, over the {limits.IMAGE_MAX_FRAMES} an image may have.",
        )
    texts: list[str] = []
    failed: list[int] = []
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        if number > frames:
            break
        source.report(number - 1, frames, f"OCR page {number} of {frames}")
        if frame.width * frame.height > limits.IMAGE_MAX_PIXELS:
            raise _too_many_pixels(name)
        try:
            frame.load()
            upright = ImageOps.exif_transpose(frame) if image.format != "TIFF" else frame
            texts.append(read_image(upright))
        except OcrUnavailable as exc:
            raise DocumentError(
                "unsupported", f"{name} is an image, and OCR is not installed to read it."
            ) from exc
        except (OSError, ValueError, SyntaxError) as exc:  # a truncated or damaged frame
            if frames == 1:
                raise DocumentError(
                    "corrupt", f"{name} is damaged and cannot be read ({exc})."
                ) from exc
            failed.append(number)
            texts.append("")
    source.report(frames, frames)
    if not any(texts):
        raise DocumentError("empty", f"{name}: OCR found no text in this image.", name)
    text, pages = join_pages(texts)
    warnings = ["Text read by OCR; it may hold misread characters."]
    if failed:
        warnings.append(f"{page_ranges(failed)} could not be read (damaged).")
    return Extraction(text, pages, warnings)


def _too_many_pixels(name: str) -> DocumentError:
    megapixels = limits.IMAGE_MAX_PIXELS // 1_000_000
    return DocumentError(
        "too_large", f"{name} is larger than {megapixels} megapixels, too large to read by OCR."
    )
