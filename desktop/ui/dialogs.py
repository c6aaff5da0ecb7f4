"""Asking the user something without a nested event loop: open the box, await the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core.storage.settings import Settings
from desktop.ui.document_model import format_tokens


async def ask_yes_no(
    parent: QWidget, title: str, text: str, yes: str, *, danger: bool = False
) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question,
        title,
        text,
        parent=parent,
    )
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    box.finished.connect(
        lambda _r: answer.done() or answer.set_result(box.clickedButton() is yes_button)
    )
    box.open()
    try:
        return await answer
    finally:
        box.deleteLater()


async def confirm_cloud_only(parent: QWidget, count: int, tokens: int, settings: Settings) -> bool:
    """Cloud only sends the documents themselves: ask first, saying what goes where."""
    return await ask_yes_no(
        parent,
        "Send your documents to the cloud?",
        f"Cloud only sends the full text of {count} document(s) (~{format_tokens(tokens)} "
        f"tokens) to {settings.remote_model} at {settings.remote_base_url}. "
        "Everything sent is kept in the privacy audit.",
        "Send to the cloud",
        danger=True,
    )


def choose_files(parent: QWidget, chosen: Callable[[list[Path]], object]) -> None:
    dialog = QFileDialog(parent, "Add files")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.filesSelected.connect(lambda files: chosen([Path(f) for f in files]))
    dialog.open()


def choose_markdown_path(parent: QWidget, title: str, chosen: Callable[[Path], object]) -> None:
    name = "".join(c if c.isalnum() or c in " -_" else "_" for c in title)
    dialog = QFileDialog(parent, "Export to Markdown", str(Path.home() / f"{name}.md"))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter("Markdown (*.md)")
    dialog.setDefaultSuffix("md")
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    dialog.open()
