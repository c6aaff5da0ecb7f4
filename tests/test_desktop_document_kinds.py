"""Chips for the new kinds: an icon per kind, escaped names, and OCR progress in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from core.documents import KIND_LABELS, SUPPORTED_EXTENSIONS
from desktop.ui import document_icons
from desktop.ui.document_icons import kind_color, kind_family, kind_icon
from desktop.ui.document_loader import DocumentLoader
from desktop.ui.document_model import READING, DocumentListModel, DocumentRow, summary
from desktop.ui.document_tray import CHIP, ChipDelegate
from tests.desktop_support import run_in_qt_loop, until
from tests.docfixtures import make_xlsx


def test_every_kind_and_every_document_extension_has_an_icon(qtbot) -> None:
    for kind in KIND_LABELS:
        assert not kind_icon(kind).isNull(), kind
    for extension, kind in SUPPORTED_EXTENSIONS.items():
        if kind != "code":  # source files show their extension until read, then the code icon
            assert kind_family(extension.lstrip(".")) == kind_family(kind), extension


def _paint_chip(kind: str) -> QImage:
    model = DocumentListModel()
    model.add(DocumentRow(path=f"/tmp/f.{kind}", name=f"f.{kind}", status="ready", kind=kind))
    image = QImage(CHIP, QImage.Format.Format_ARGB32)
    image.fill(QColor("#101010"))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, CHIP.width(), CHIP.height())
    painter = QPainter(image)
    ChipDelegate().paint(painter, option, model.index(0))
    painter.end()
    return image


def _white_in_badge(image: QImage) -> int:
    return sum(
        1
        for x in range(12, 42)
        for y in range(12, 42)
        if min(QColor(image.pixel(x, y)).getRgb()[:3]) > 230
    )


def test_chip_badge_shows_the_kinds_icon_in_its_colour(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet, slides = _paint_chip("xlsx"), _paint_chip("pptx")
    assert _white_in_badge(sheet) > 20 and _white_in_badge(slides) > 20
    assert QColor(sheet.pixel(14, 14)) == kind_color("xlsx")
    assert QColor(slides.pixel(14, 14)) == kind_color("pptx")
    assert sheet != slides  # a grid and a screen, not the same glyph
    # Without the icon files the badge falls back to the kind's name in letters.
    kind_icon.cache_clear()
    monkeypatch.setattr(document_icons, "resources_dir", lambda: tmp_path)
    try:
        assert _paint_chip("xlsx") != sheet
    finally:
        kind_icon.cache_clear()


def test_ocr_step_is_the_chips_second_line_while_reading() -> None:
    row = DocumentRow(path="/x/scan.pdf", name="scan.pdf", status=READING, progress=0.25)
    assert summary(row) == "Reading… 25%"
    row.stage = "OCR page 3 of 12"
    assert summary(row) == "OCR page 3 of 12"


def test_chip_names_are_escaped_and_the_reader_gets_status_lines(qtbot, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "budget\u202exslx.txt", {"S": [["a"]]})
    calls: list[dict] = []

    async def reader(path: str, **kwargs: object):
        from core.documents import load_document

        calls.append(kwargs)
        status = kwargs["status"]
        status("OCR page 1 of 1")  # type: ignore[operator]
        return await load_document(path, max_bytes=10_000_000)

    async def scenario() -> None:
        model = DocumentListModel()
        loader = DocumentLoader(model, 10_000_000, reader=reader)
        staged: list[tuple[str, str]] = []
        loader.staged.connect(lambda p, line: staged.append((p, line)))
        assert loader.add_paths([path]) == 1
        assert model.rows[0].name == "budget\\u202exslx.txt"
        await until(lambda: model.rows[0].status == "ready")
        assert staged == [(str(path), "OCR page 1 of 1")]
        assert model.rows[0].name == "budget\\u202exslx.txt" and model.rows[0].kind == "xlsx"

    run_in_qt_loop(scenario)
