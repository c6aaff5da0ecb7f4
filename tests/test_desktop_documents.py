"""Documents in the window: drop or add files, see a chip per file with its status."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from desktop.app import freeze_startup_objects
from desktop.ingest import IngestPool
from desktop.ui.document_model import ERROR, READY, DocumentRole
from tests.desktop_support import (
    close_window,
    drop_files,
    fact_pdf,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.docfixtures import filler_lines, make_pdf
from tests.fakes import OllamaFake
from tests.protocol_support import make_services


def _chips(window) -> list[dict]:
    model = window.tray.chips.model()
    roles = {"name": DocumentRole.Name, "status": DocumentRole.Status, "line": DocumentRole.Summary,
             "pages": DocumentRole.Pages, "tokens": DocumentRole.Tokens, "error": DocumentRole.Error}  # fmt: skip
    return [
        {key: model.index(i).data(role) for key, role in roles.items()}
        for i in range(model.rowCount())
    ]


def test_dropping_files_and_a_folder_shows_a_chip_per_document(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    pdf = fact_pdf(tmp_path / "report.pdf", pages=4)
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# Notes\n\nThe lease ends in May.\n", "utf-8")
    (folder / "sub" / "b.txt").write_text("Plain words about the budget.\n" * 40, "utf-8")
    (folder / "image.bin").write_bytes(b"\x00\x01" * 100)  # not a supported type: skipped

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        assert drop_files(window, [pdf, folder])
        await until(lambda: all(c["status"] == READY for c in _chips(window)) and _chips(window))
        chips = _chips(window)
        assert [c["name"] for c in chips] == ["report.pdf", "a.md", "b.txt"]
        assert chips[0]["pages"] == 4 and chips[0]["tokens"] > 100
        assert chips[0]["line"].startswith("4 pages · ~")
        assert window.tray.chips.isVisible()
        assert window.tray.totals.text().startswith("3 documents  ·  ")
        # the conversation remembers its documents
        stored = window.store.documents(window.conversation_id)
        assert sorted(d.name for d in stored) == ["a.md", "b.txt", "report.pdf"]
        await close_window(window)

    run_in_qt_loop(scenario)


def test_unreadable_file_shows_an_error_chip_with_the_reason(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    empty = tmp_path / "empty.txt"
    empty.write_text("", "utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a pdf")

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        drop_files(window, [empty, broken])
        await until(
            lambda: len(_chips(window)) == 2 and all(c["status"] == ERROR for c in _chips(window))
        )
        for chip in _chips(window):
            assert chip["error"] and chip["line"] == chip["error"]
        assert window.tray.totals.text().startswith("2 documents, 2 failed  ·  ")
        await close_window(window)

    run_in_qt_loop(scenario)


def test_large_pdf_shows_progress_and_the_window_keeps_ticking(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    big = tmp_path / "big.pdf"
    big.write_bytes(make_pdf([filler_lines(n, 45) for n in range(1, 301)]))

    async def scenario():
        # Wired as desktop.app wires it: files read in worker processes, start-up frozen.
        pool = IngestPool(workers=1)
        await pool.start()
        window = make_window(make_services(fake_ollama, None), reader=pool.load)
        qtbot.addWidget(window)
        freeze_startup_objects()
        seen: list[float] = []
        window.documents.dataChanged.connect(
            lambda *_: seen.append(window.documents.rows[0].progress)
        )
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick():
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        await until(window.isVisible)
        await asyncio.sleep(0.3)  # let the first paint (and font loading) finish
        timer = QTimer(interval=5)
        timer.timeout.connect(tick)
        timer.start()
        window.add_paths([big])
        await until(lambda: window.documents.rows[0].status == READY, timeout=60)
        timer.stop()
        partial = [p for p in seen if 0 < p < 1]
        assert partial, f"no progress between 0 and 1 was shown: {seen[:10]}"
        assert partial == sorted(partial)
        assert window.documents.rows[0].pages == 300
        worst = max(gaps)
        assert worst < 0.5, f"the window froze for {worst:.3f}s (tick {gaps.index(worst)})"
        await close_window(window)
        pool.shutdown()
        gc.unfreeze()

    run_in_qt_loop(scenario)


def test_add_files_button_and_ctrl_o_open_a_file_chooser(qtbot, fake_ollama: OllamaFake):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        qtbot.mouseClick(window.tray.add_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.findChildren(QFileDialog))
        for dialog in window.findChildren(QFileDialog):
            dialog.reject()
            dialog.deleteLater()
        await until(lambda: not [d for d in window.findChildren(QFileDialog) if d.isVisible()])
        window.activateWindow()
        await until(window.isActiveWindow, what="the window to be active")
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: [d for d in window.findChildren(QFileDialog) if d.isVisible()])
        await close_window(window)

    run_in_qt_loop(scenario)


def test_removing_a_chip_forgets_the_document(qtbot, tmp_path: Path, fake_ollama: OllamaFake):
    note = tmp_path / "n.txt"
    note.write_text("Some words.\n" * 20, "utf-8")

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        drop_files(window, [note])
        await until(lambda: _chips(window) and _chips(window)[0]["status"] == READY)
        window.tray.chips.removeRequested.emit(0)
        assert _chips(window) == []
        assert window.store.documents(window.conversation_id) == []
        await close_window(window)

    run_in_qt_loop(scenario)


def test_files_are_read_in_a_worker_process_with_progress_and_plain_errors(tmp_path: Path):
    import os

    from core.documents.model import DocumentError
    from desktop.ingest import IngestPool

    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(make_pdf([filler_lines(n, 20) for n in range(1, 41)]))
    (tmp_path / "empty.txt").write_text("", "utf-8")

    async def scenario():
        pool = IngestPool(workers=1)
        try:
            pids = await asyncio.gather(asyncio.wrap_future(pool._pool.submit(os.getpid)))
            assert pids[0] != os.getpid()
            seen: list[tuple[int, int]] = []
            doc = await pool.load(
                str(pdf), max_bytes=10_000_000, progress=lambda d, t: seen.append((d, t))
            )
            assert len(doc.pages) == 40 and "committee" in doc.page_text(3)
            await until(lambda: seen and seen[-1] == (40, 40), what="the last progress report")
            assert len(seen) >= 10
            try:
                await pool.load(str(tmp_path / "empty.txt"), max_bytes=10_000_000)
            except DocumentError as exc:
                assert exc.kind == "empty" and exc.message
            else:
                raise AssertionError("an empty file must fail")
        finally:
            pool.shutdown()

    run_in_qt_loop(scenario)
