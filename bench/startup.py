"""Start-up time: ``minions --help``, ``minions docs inspect FILE`` and the window's first paint.

Each figure is the wall time of a fresh process, from spawn to exit (commands) or to the
first paint of the main window (after one untimed pass, so ``docs inspect`` reads its text
cache; ``--no-cache`` parses the 20-page PDF again, pypdf included), measured in the same run as two baselines: a bare
``python -c pass`` and a bare PySide6 window (``import PySide6`` plus one empty widget
painted). Runs are paired (each round measures every row once, in turn) and repeated; the
median is printed with its ratio to the baselines. ``--before DIR`` adds the same rows for
another checkout (e.g. ``git archive main | tar -x -C DIR``), measured in the same rounds.

Targets: ``--help`` and ``docs inspect`` under 0.4 s, the window drawn in under 1 s.
Run: .venv/bin/python bench/startup.py [--repeat 7] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"minions --help": 0.4, "minions docs inspect (text)": 0.4, "window drawn": 1.0}

# Prints the wall-clock time of the first paint of a visible top-level widget, then quits.
# ``BUILD`` is replaced by the code that shows a window: a bare widget, or the app's main().
_PAINT_PROBE = """
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class _Probe(QObject):
    done = False
    def eventFilter(self, obj, event):
        if not self.done and event.type() == QEvent.Type.Paint and obj.isWidgetType():
            if obj.window().isVisible():
                self.done = True
                print(time.time(), flush=True)
                QApplication.instance().quit()
        return False

class ProbeApp(QApplication):
    def __init__(self, *args):
        super().__init__(*args)
        self._probe = _Probe()
        self.installEventFilter(self._probe)

BUILD
"""

_BARE_WINDOW = """
from PySide6.QtWidgets import QLabel
app = ProbeApp(sys.argv[:1])
label = QLabel("hello")
label.resize(1280, 800)
label.show()
app.exec()
"""

_APP_WINDOW = """
import desktop.__main__ as entry
entry.QApplication = ProbeApp
sys.exit(entry.main([]))
"""


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def commands(root: Path, text_file: Path, pdf_file: Path) -> dict[str, tuple[list[str], bool]]:
    """Name -> (argv, whether it prints the paint time) for one checkout."""
    cli = [sys.executable, "-m", "core"]
    return {
        "minions --help": ([*cli, "--help"], False),
        "minions docs inspect (text)": ([*cli, "docs", "inspect", str(text_file)], False),
        "minions docs inspect (pdf)": ([*cli, "docs", "inspect", str(pdf_file)], False),
        "minions docs inspect --no-cache (pdf)": (
            [*cli, "docs", "inspect", "--no-cache", str(pdf_file)],
            False,
        ),
        "window drawn": (_python(_PAINT_PROBE.replace("BUILD", _APP_WINDOW)), True),
    }


def measure(argv: list[str], cwd: Path, env: dict[str, str], paints: bool) -> float:
    started = time.time()
    if not paints:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{argv} failed: {done.stderr.strip()[-400:]}")
        return time.time() - started
    child = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if not line.strip():
        raise SystemExit(
            f"{argv[:2]} drew nothing: {child.stderr.read()[-400:] if child.stderr else ''}"
        )
    return float(line) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="rounds (median reported)")
    parser.add_argument("--before", type=Path, help="another checkout, measured in the same rounds")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="minions-startup-"))
    env = {**os.environ, "MINIONS_HOME": str(work / "home"), "QT_QPA_PLATFORM": "offscreen"}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_HOST"):
        env.pop(name, None)
    sys.path.insert(0, str(ROOT))
    from tests.docfixtures import filler_lines, make_pdf

    text_file = work / "notes.txt"
    text_file.write_text("\n\n".join(" ".join(filler_lines(n, 3)) for n in range(1, 40)))
    pdf_file = work / "report.pdf"
    pdf_file.write_bytes(make_pdf([filler_lines(n, 40) for n in range(1, 21)]))

    rows: dict[str, tuple[list[str], Path, bool]] = {
        "python -c pass": (_python("pass"), ROOT, False),
        "import PySide6.QtWidgets": (_python("import PySide6.QtWidgets"), ROOT, False),
        "bare PySide6 window drawn": (
            _python(_PAINT_PROBE.replace("BUILD", _BARE_WINDOW)), ROOT, True),
    }  # fmt: skip
    checkouts = [("", ROOT)] + ([("before: ", args.before.resolve())] if args.before else [])
    for prefix, root in checkouts:
        for name, (argv, paints) in commands(root, text_file, pdf_file).items():
            rows[prefix + name] = (argv, root, paints)

    # One untimed pass: the text cache is filled and the disk cache warmed for every row.
    for argv, cwd, paints in rows.values():
        measure(argv, cwd, env, paints)
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(args.repeat):
        for name, (argv, cwd, paints) in rows.items():
            times[name].append(measure(argv, cwd, env, paints))

    median = {name: statistics.median(values) for name, values in times.items()}
    bare_python = median["python -c pass"]
    bare_window = median["bare PySide6 window drawn"]
    print(f"Start-up, median of {args.repeat} paired rounds (wall seconds, fresh process each)")
    print(f"  {'':<44}{'median':>8}{'min':>8}{'x python':>10}{'x bare Qt':>11}  target")
    for name, value in median.items():
        short = name.removeprefix("before: ")
        qt = f"{value / bare_window:>10.2f}x" if "window" in name else f"{'':>11}"
        target = f"  < {TARGETS[short]} s" if short in TARGETS else ""
        met = "" if short not in TARGETS else (" met" if value < TARGETS[short] else " MISSED")
        print(
            f"  {name:<44}{value:>8.3f}{min(times[name]):>8.3f}"
            f"{value / bare_python:>9.1f}x{qt}{target}{met if not name.startswith('before') else ''}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
