"""Asking the user something without a nested event loop: open the box, await the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from qasync import asyncSlot

from core.storage.settings import Settings
from desktop.ui.document_loader import DocumentLoader
from desktop.ui.document_model import format_tokens

if TYPE_CHECKING:
    from core.protocols.estimate import Estimate

T = TypeVar("T")


def _settle(future: asyncio.Future[T], value: T) -> None:
    if not future.done():
        future.set_result(value)


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
    box.finished.connect(lambda _r: _settle(answer, box.clickedButton() is yes_button))
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


async def confirm_long_run(parent: QWidget, estimate: Estimate) -> bool:
    """A long run is put to the user before it starts, with cheaper ways to ask."""
    tips = "".join(f"\n• {tip[0].upper()}{tip[1:]}" for tip in estimate.cheaper())
    return await ask_yes_no(
        parent,
        "This question will take a while",
        f"This run needs {estimate.describe()}.\n\nCheaper ways to ask:{tips}",
        "Start anyway",
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


async def ask_password(parent: QWidget, name: str, wrong: bool) -> str | None:
    """The password of an encrypted PDF, or None if the user cancels. Held in memory only."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Password needed")
    dialog.setLabelText(
        f"That password did not open {name}. Try again:"
        if wrong
        else f"{name} is protected by a password. Enter it to read the file:"
    )
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("Open")
    dialog.setAccessibleName("PDF password")
    answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(
        lambda result: _settle(
            answer, dialog.textValue() if result == QDialog.DialogCode.Accepted.value else None
        )
    )
    dialog.open()
    try:
        return await answer
    finally:
        dialog.setTextValue("")
        dialog.deleteLater()


class PasswordPrompts(QObject):
    """Asks for the password of each encrypted PDF the loader meets, one file at a time;
    the chip's "Enter password…" asks again after a cancel."""

    def __init__(self, parent: QWidget, loader: DocumentLoader, chips: QAbstractItemView) -> None:
        super().__init__(parent)
        self.parent_widget, self.loader = parent, loader
        self._turn = asyncio.Lock()
        loader.passwordNeeded.connect(self.ask)
        chips.passwordRequested.connect(self._ask_for_row)  # type: ignore[attr-defined]

    def _ask_for_row(self, at: int) -> None:
        row = self.loader.model.row(at)
        self.ask(row.path, row.name, False)

    @asyncSlot(str, str, bool)
    async def ask(self, path: str, name: str, wrong: bool) -> None:
        async with self._turn:
            password = await ask_password(self.parent_widget, name, wrong)
        if password:
            self.loader.unlock(path, password)
