"""The app's helper processes end with it, however it ends (a hard kill included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes import OllamaFake

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _status(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]  # the name may hold spaces
    return int(ppid), state


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (status := _status(int(entry.name))) and status[0] == pid:
            found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    status = _status(pid)
    return status is not None and status[1] not in ("Z", "X")  # a zombie has ended


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_hard_kill_of_the_app_ends_its_file_readers_and_the_resource_tracker(
    fake_ollama: OllamaFake,
):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OLLAMA_HOST": fake_ollama.url}
    # Leaving the block closes the stderr pipe (and reaps the killed app).
    with subprocess.Popen(
        [sys.executable, "-m", "desktop"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    ) as app:
        try:
            # The file readers (at least one) and the resource tracker start with the app.
            assert _wait(lambda: len(_children(app.pid)) >= 2, timeout=60), (
                f"the app started no helper processes: {_children(app.pid)}"
            )
            time.sleep(1.0)  # let every worker finish starting
            helpers = _children(app.pid)
            assert app.poll() is None
        finally:
            app.send_signal(signal.SIGKILL)
            app.wait(timeout=10)
    assert _wait(lambda: not any(_running(pid) for pid in helpers), timeout=5), (
        f"still running after the app was killed: {[p for p in helpers if _running(p)]}"
    )
