"""The document tray with many files: no crash, a summary and a list instead of chips."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.ui.document_tray import CHIP_LIMIT, LIST_ROWS, ROW_HEIGHT
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.fakes import OllamaFake
from tests.protocol_support import make_services

FILES = 2000
REPAINTS = 3000


def _repaint_none_references(view, times: int) -> int:
    """How many references to None ``times`` repaints of ``view`` lost (0 when none).

    PySide6 6.12.0 lost one on every void Qt call in a paint method; a few thousand
    repaints then deallocated None and killed the app (exit 134, "none_dealloc")."""
    before = sys.getrefcount(None)
    for _ in range(times):
        view.viewport().repaint()
    return before - sys.getrefcount(None)


def test_thousands_of_files_read_into_a_summary_and_a_scrollable_list(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    folder = tmp_path / "notes"
    folder.mkdir()
    for n in range(FILES):
        (folder / f"note-{n:05}.txt").write_text(f"Note {n}: the meeting moved to room {n}.\n")
    (folder / "empty.txt").write_text("")  # one that fails

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        started = time.perf_counter()
        assert drop_files(window, [folder])
        await until(
            lambda: window.documents.totals.reading == 0 and window.documents.totals.count,
            timeout=240,
            what="every file to be read",
        )
        print(f"{FILES + 1} files read in {time.perf_counter() - started:.1f} s")
        tray = window.tray
        assert tray.totals.text().startswith(f"{FILES + 1:,} documents, 1 failed  ·  ")
        assert tray.chips.compact  # a line per file, not thousands of chips
        assert tray.chips.height() <= LIST_ROWS * ROW_HEIGHT + 4
        assert tray.chips.verticalScrollBar().maximum() > 0  # the rest scrolls
        # Hide and show the list.
        qtbot.mouseClick(tray.fold_button, Qt.MouseButton.LeftButton)
        assert not tray.chips.isVisible() and tray.fold_button.text() == "Show list"
        qtbot.mouseClick(tray.fold_button, Qt.MouseButton.LeftButton)
        assert tray.chips.isVisible()
        # The last file is reachable, and removing it updates the summary.
        tray.chips.scrollToBottom()
        window.controller.remove_document(window.documents.rowCount() - 1)
        assert tray.totals.text().startswith(f"{FILES:,} documents")
        # Repainting many times loses no reference to None (checked early, then at length).
        assert _repaint_none_references(tray.chips, 200) < 50
        assert _repaint_none_references(tray.chips, REPAINTS) < 500
        await close_window(window)

    run_in_qt_loop(scenario)


def test_chips_repaint_thousands_of_times_without_losing_references(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    paths = []
    for name in ("lease.md", "budget.csv", "notes.txt"):
        (tmp_path / name).write_text("Rent is due on the first day of each month.\n")
        paths.append(tmp_path / name)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    paths.append(tmp_path / "broken.pdf")

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        drop_files(window, paths)
        await until(lambda: window.documents.totals.reading == 0 and window.documents.rowCount())
        chips = window.tray.chips
        assert not chips.compact and window.documents.rowCount() <= CHIP_LIMIT
        chips.setFocus()  # the focus ring is painted too
        chips.setCurrentIndex(window.documents.index(0))
        assert _repaint_none_references(chips, 200) < 50
        assert _repaint_none_references(chips, REPAINTS) < 500
        await close_window(window)

    run_in_qt_loop(scenario)


def test_the_tray_switches_between_chips_and_list_at_the_limit(qtbot, tmp_path, fake_ollama):
    for n in range(CHIP_LIMIT + 1):
        (tmp_path / f"n{n}.md").write_text(f"# Note {n}\n")

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        files = sorted(tmp_path.glob("*.md"))
        drop_files(window, files[:CHIP_LIMIT])
        await until(lambda: documents_ready(window))
        assert not window.tray.chips.compact and not window.tray.fold_button.isVisible()
        drop_files(window, files[CHIP_LIMIT:])
        await until(lambda: documents_ready(window) and window.documents.rowCount() > CHIP_LIMIT)
        assert window.tray.chips.compact and window.tray.fold_button.isVisible()
        window.controller.remove_document(0)
        assert not window.tray.chips.compact
        await close_window(window)

    run_in_qt_loop(scenario)
