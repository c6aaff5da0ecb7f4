"""``minions-desktop``: one entry point, owning the Qt application and its asyncio loop."""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
import traceback
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from core.storage.paths import minions_home
from core.storage.secrets import scrub
from desktop.single_instance import SingleInstance, bring_forward, second_start

log = logging.getLogger("desktop")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="minions-desktop", description="Minions Desktop")
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="start, wait until the window is drawn, save it as a PNG and exit",
    )
    # For the packaging checks: can the installed app find what it ships with?
    parser.add_argument(
        "--selftest", nargs="?", const="quick", choices=["quick", "model"], help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def setup_logging() -> Path:
    folder = minions_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "desktop.log"
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """Log an unexpected error (never the API key) and tell the user in a dialog."""
    text = scrub(
        "".join(traceback.format_exception(kind, error, tb)), os.environ.get("OPENAI_API_KEY")
    )
    log.error("unexpected error\n%s", text)
    if QApplication.instance() is None:
        sys.__excepthook__(kind, error, tb)
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical, "Something went wrong", f"{kind.__name__}: {error}"
    )
    box.setInformativeText("Your conversations are saved. Details are in the log file.")
    box.setDetailedText(text)
    box.open()


def main(argv: Sequence[str] | None = None) -> int:
    # First of all: in a frozen app the file readers' processes start here, and leave here.
    multiprocessing.freeze_support()
    args = parse_args(argv)
    if args.selftest:
        from desktop.selftest import selftest

        return selftest(with_model=args.selftest == "model")
    setup_logging()
    app = QApplication(sys.argv[:1])
    instance = SingleInstance(minions_home())
    if not instance.claim():
        return second_start(instance, screenshot=args.screenshot is not None)
    instance.raise_requested.connect(lambda: bring_forward(app))

    from desktop.app import main_async
    from desktop.resources import app_icon
    from desktop.ui.theme import apply_theme

    app.setApplicationName("Minions")
    app.setApplicationDisplayName("Minions")
    app.setOrganizationName("minions-desktop")
    app.setDesktopFileName("minions-desktop")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    sys.excepthook = excepthook
    # Python 3.11 has no asyncio.run(loop_factory=...); Runner is what it does in 3.12.
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(main_async(app, args.screenshot))
    finally:
        instance.release()


if __name__ == "__main__":
    sys.exit(main())
