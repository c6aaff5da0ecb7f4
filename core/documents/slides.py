"""Presentations (.pptx with python-pptx, .odp with lxml): one section per slide, "slide 3",
holding its title, its text boxes and tables, then its speaker notes."""

from __future__ import annotations

import io
from typing import Any

from core.documents.archive import open_archive, refuse_ole
from core.documents.extraction import Extraction, Source, labelled
from core.documents.model import DocumentError
from core.documents.opendocument import (
    DRAW,
    OFFICE,
    PRESENTATION,
    SOFT_MARK,
    blocks,
    open_odf,
    parse_part,
)

NOTES_HEADING = "Speaker notes:"


def load_pptx(data: bytes, source: Source) -> Extraction:
    name, what = source.name, "PowerPoint file"
    refuse_ole(data, name, what, ".pptx", "PowerPoint presentation (.ppt)")
    open_archive(data, name, what).close()  # refuses bombs before python-pptx inflates

    from pptx import Presentation

    sections: list[tuple[str, str]] = []
    try:
        deck = Presentation(io.BytesIO(data))
        for number, slide in enumerate(deck.slides, start=1):
            title_shape = slide.shapes.title
            title = _frame_text(title_shape) if title_shape is not None else ""
            title_id = title_shape.shape_id if title_shape is not None else None
            body = [
                text
                for shape in slide.shapes
                if shape.shape_id != title_id and (text := _shape_text(shape))
            ]
            notes = ""
            if slide.has_notes_slide:
                frame = slide.notes_slide.notes_text_frame
                notes = frame.text.strip() if frame is not None else ""
            hidden = slide._element.get("show") in ("0", "false")
            sections.append((_label(number, hidden), _slide_text(title, body, notes)))
    except DocumentError:
        raise
    except Exception as exc:  # python-pptx, zipfile and lxml each raise their own errors
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise DocumentError("corrupt", f"{name} is not a valid PPTX file ({detail}).") from exc
    return _finish(sections, name)


def _shape_text(shape: Any, depth: int = 0) -> str:
    if getattr(shape, "shape_type", None) == 6 and depth < 20:  # a group: its shapes in order
        return "\n".join(t for s in shape.shapes if (t := _shape_text(s, depth + 1)))
    if getattr(shape, "has_table", False):
        rows = [
            " | ".join(" ".join(cell.text.split()) for cell in row.cells)
            for row in shape.table.rows
        ]
        rows = [row for row in rows if row.strip(" |")]
        if len(rows) > 1:
            rows.insert(1, " | ".join(["---"] * (rows[0].count(" | ") + 1)))
        return "\n".join(rows)
    return _frame_text(shape)


def _frame_text(shape: Any) -> str:
    if not getattr(shape, "has_text_frame", False):
        return ""
    lines = [" ".join(p.text.split()) for p in shape.text_frame.paragraphs]
    return "\n".join(line for line in lines if line)


def load_odp(data: bytes, source: Source) -> Extraction:
    name, what = source.name, "OpenDocument presentation"
    archive = open_odf(data, name, what)
    content = parse_part(archive, "content.xml", name, what)
    body = content.find(f"{OFFICE}body/{OFFICE}presentation")
    if body is None:
        raise DocumentError("corrupt", f"{name} is not a valid {what}: it has no slides.")
    sections: list[tuple[str, str]] = []
    for number, page in enumerate(body.iter(f"{DRAW}page"), start=1):
        title, texts, notes = "", [], ""
        for child in page:
            if child.tag == f"{PRESENTATION}notes":
                notes = "\n".join(_odp_texts(child))
            elif child.get(f"{PRESENTATION}class") == "title" and not title:
                title = "\n".join(_odp_texts(child))
            else:
                texts += _odp_texts(child)
        hidden = page.get(f"{PRESENTATION}visibility") == "hidden"
        sections.append((_label(number, hidden), _slide_text(title, texts, notes)))
    return _finish(sections, name)


def _odp_texts(element: Any) -> list[str]:
    """The text in one slide element (a frame, a shape, a group, the notes), in order."""
    return [piece for piece in blocks(element, set()) if piece.strip() and piece != SOFT_MARK]


def _slide_text(title: str, body: list[str], notes: str) -> str:
    parts = [f"# {title.strip()}" if title.strip() else "", *body]
    text = "\n\n".join(part for part in parts if part.strip())
    if notes.strip():
        text += f"\n\n{NOTES_HEADING}\n{notes.strip()}"
    return text.strip()


def _label(number: int, hidden: bool) -> str:
    return f"slide {number}" + (" (hidden)" if hidden else "")


def _finish(sections: list[tuple[str, str]], name: str) -> Extraction:
    if not sections:
        raise DocumentError("empty", f"{name} has no slides.", name)
    extraction = labelled(sections)
    if not extraction.text.strip():
        raise DocumentError("empty", f"{name} has no text on its slides.", name)
    return extraction
