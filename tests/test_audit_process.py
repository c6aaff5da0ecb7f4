"""The audit process (reading and checking off the window's GIL) ends with the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop.ui.audit_loader import in_process

ROOT = Path(__file__).resolve().parent.parent

APP = """
import os, sys, time
from desktop.ui.audit_loader import in_process
if __name__ == "__main__":
    print(in_process(os.getpid), flush=True)
    time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_jobs_run_in_another_process():
    assert in_process(os.getpid) != os.getpid()


def test_a_hard_kill_of_the_app_ends_the_audit_process(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Leaving the block closes the pipe (and reaps the killed app).
    with subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env
    ) as app:
        assert app.stdout is not None
        child = int(app.stdout.readline())
        assert alive(child)
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    deadline = time.monotonic() + 15
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    gone = not alive(child)
    if not gone:
        os.kill(child, signal.SIGKILL)  # leave nothing behind, then fail
    assert gone
