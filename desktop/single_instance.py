"""One running app per data folder: a second start brings the first window forward and exits.

Two apps on one data folder would append to the same audit chain and history at once. The
first start holds an OS lock on ``instance.lock`` in the data folder (the kernel drops it
when the process ends, even by a crash) and listens on a local socket named after the user
and the folder. A later start that cannot take the lock sends "raise" to that socket, waits
for "ok", and exits 0.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import IO

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow

log = logging.getLogger(__name__)

RAISE = b"raise\n"
ACK = b"ok\n"


def server_name(home: Path) -> str:
    """The socket's name: one per user and data folder, short enough for any platform."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]
    return f"minions-desktop-{user}-{digest}"


class InstanceLock:
    """An exclusive, non-blocking OS lock on a file, released by the kernel when we exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for the app's lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        """Give the folder up (closing the file drops the OS lock)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def holder(self) -> str:
        """The process id the running app wrote, for messages."""
        try:
            return self.path.read_text("ascii").strip() or "?"
        except OSError:
            return "?"


class SingleInstance(QObject):
    """Claims the data folder for this process, or tells the process that holds it."""

    raise_requested = Signal()

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(home)
        self.lock = InstanceLock(home / "instance.lock")
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True when this process is now the app for this data folder, listening for raises."""
        if not self.lock.acquire():
            return False
        # We hold the lock, so a socket of that name was left by an app that crashed.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._accept)
        if server.listen(self.name):
            log.info("single instance: listening on %s", self.name)
        else:  # still the only app; a second start will say the first does not answer
            log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
        self._server = server
        return True

    def release(self) -> None:
        """Stop listening and give the data folder up, as the app ends."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.lock.release()

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        if bytes(socket.readLine().data()) == RAISE:
            log.info("single instance: a second start asked for the window")
            self.raise_requested.emit()
            socket.write(ACK)
            socket.flush()
        socket.disconnectFromServer()

    def ask_running_app_to_raise(self, timeout: float = 20.0) -> bool:
        """From a second start: ask the running app to come forward; True once it said ok.

        The running app answers from its event loop, which starts only after its window is
        built: a few seconds on a busy machine, hence the generous timeout.
        """
        deadline = time.monotonic() + timeout
        socket = QLocalSocket()
        while True:  # the first app may be between taking the lock and listening
            socket.connectToServer(self.name)
            if socket.waitForConnected(500):
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        socket.write(RAISE)
        socket.waitForBytesWritten(1000)
        while not socket.canReadLine():
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0 or not socket.waitForReadyRead(left):
                socket.abort()
                return False
        answer = bytes(socket.readLine().data())
        socket.abort()
        return answer == ACK


def bring_forward(app: QApplication) -> None:
    """Show the main window un-minimised, on top, and ask the desktop to focus it."""
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMainWindow) and not widget.isHidden():
            state = widget.windowState() & ~Qt.WindowState.WindowMinimized
            widget.setWindowState(state | Qt.WindowState.WindowActive)
            widget.show()
            widget.raise_()
            widget.activateWindow()
            log.info("single instance: brought the window forward")
            return


def second_start(
    instance: SingleInstance, *, screenshot: bool = False, timeout: float = 20.0
) -> int:
    """What a start does when another app holds the data folder: its exit code."""
    if screenshot:
        print(
            "minions-desktop: Minions is already running with this data folder; "
            "close it first, or set MINIONS_HOME to another folder",
            file=sys.stderr,
        )
        return 1
    if instance.ask_running_app_to_raise(timeout):
        log.info("single instance: the running app came forward; this start exits")
        return 0
    print(
        f"minions-desktop: Minions is already running (process {instance.lock.holder()}) "
        "but does not answer; close it or end that process",
        file=sys.stderr,
    )
    return 1
