"""One app per data folder: a second start brings the first window forward and exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from desktop.single_instance import (
    InstanceLock,
    SingleInstance,
    bring_forward,
    second_start,
    server_name,
)

ROOT = Path(__file__).resolve().parent.parent


def app_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MINIONS_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "OLLAMA_HOST": "http://127.0.0.1:9",  # nothing listens: the app starts with a banner
    }


def start_app(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop"],
        cwd=ROOT,
        env=app_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its file readers share its process group: one kill ends all
    )


def log_lines(home: Path) -> list[str]:
    path = home / "logs" / "desktop.log"
    return path.read_text("utf-8").splitlines() if path.exists() else []


def wait_for_log(home: Path, text: str, count: int = 1, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while sum(text in line for line in log_lines(home)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} in the log: {log_lines(home)[-5:]}")
        time.sleep(0.1)


def second_app(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop"],
        cwd=ROOT,
        env=app_env(home),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the app and its reader processes (a killed app leaves those running)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def test_second_start_raises_the_first_and_a_crash_leaves_nothing_in_the_way(tmp_path: Path):
    home = tmp_path / "home"
    first = start_app(home)
    try:
        wait_for_log(home, "single instance: listening")
        second = second_app(home)
        assert second.returncode == 0, second.stderr[-2000:]
        wait_for_log(home, "single instance: brought the window forward")
        assert first.poll() is None, "the first app must keep running"
        assert sum("listening" in line for line in log_lines(home)) == 1  # no second app
    finally:
        first.send_signal(signal.SIGKILL)  # a crash: the lock and the socket file stay behind
        first.wait(timeout=30)
    if sys.platform != "win32":
        socket_file = Path("/tmp") / server_name(home)
        assert socket_file.exists(), "the crashed app's socket is the stale case under test"
    third = start_app(home)
    try:
        wait_for_log(home, "single instance: listening", count=2)
        fourth = second_app(home)
        assert fourth.returncode == 0, fourth.stderr[-2000:]
        wait_for_log(home, "single instance: brought the window forward", count=2)
        assert third.poll() is None
    finally:
        stop(third)
        stop(first)  # the crashed app's readers


def test_raise_request_unminimises_and_raises_the_main_window(qtbot, tmp_path: Path):
    instance = SingleInstance(tmp_path)
    assert instance.claim()
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    window.setWindowState(Qt.WindowState.WindowMinimized)
    raised: list[bool] = []
    instance.raise_requested.connect(lambda: raised.append(True))
    instance.raise_requested.connect(lambda: bring_forward(QApplication.instance()))
    code = (
        "import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication;"
        "from desktop.single_instance import SingleInstance;"
        "app = QCoreApplication([]);"
        f"sys.exit(0 if SingleInstance(Path({str(tmp_path)!r})).ask_running_app_to_raise(20) else 3)"
    )
    asker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    qtbot.waitUntil(lambda: asker.poll() is not None, timeout=30_000)
    assert asker.returncode == 0
    assert raised == [True]
    assert not window.windowState() & Qt.WindowState.WindowMinimized
    instance.release()


def test_a_running_app_that_does_not_answer_gets_a_one_line_message(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    holder = InstanceLock(tmp_path / "instance.lock")
    assert holder.acquire()  # holds the folder but never listens, like a hung app
    instance = SingleInstance(tmp_path)
    assert not instance.claim()
    assert second_start(instance, timeout=1.0) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"minions-desktop: Minions is already running (process {os.getpid()}) but does not "
        "answer; close it or end that process"
    ]
    holder.release()


def test_screenshot_while_another_app_runs_fails_and_writes_nothing(qtbot, tmp_path: Path):
    instance = SingleInstance(tmp_path)
    assert instance.claim()
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--screenshot", str(shot)],
        cwd=ROOT,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "already running with this data folder" in done.stderr
    assert not shot.exists()
    instance.release()


def test_the_socket_name_is_per_data_folder(tmp_path: Path):
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert str(os.getuid()) in server_name(tmp_path / "a")


def test_a_released_folder_can_be_claimed_again(qtbot, tmp_path: Path):
    first = SingleInstance(tmp_path)
    assert first.claim()
    assert not SingleInstance(tmp_path).lock.acquire()  # held
    first.release()
    again = SingleInstance(tmp_path)
    assert again.claim()
    again.release()
