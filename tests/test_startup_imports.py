"""Start-up stays fast: a command or screen imports only the libraries it needs.

Each check runs in a fresh interpreter (this test process has imported everything already)
and lists the heavy modules it finds in ``sys.modules``. The times themselves are measured
by ``bench/startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_LIBRARIES = ("openai", "ollama", "httpx", "aiohttp", "keyring")
FILE_PARSERS = ("pypdf", "docx", "bs4", "charset_normalizer")
OTHER_FORMATS = ("pypdf", "docx", "bs4")  # a text file needs none of these

_REPORT = """
import json, sys
def report():
    print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(code: str, home: Path) -> set[str]:
    """Top-level package names in sys.modules after running ``code`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _REPORT + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"MINIONS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    names = json.loads(done.stdout.strip().splitlines()[-1])
    return {name.split(".")[0] for name in names}


def test_minions_help_imports_no_client_library_or_file_parser(tmp_path: Path) -> None:
    code = """
from core.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
report()
"""
    loaded = loaded_after(code, tmp_path)
    heavy = {*CLIENT_LIBRARIES, *FILE_PARSERS}
    assert loaded.isdisjoint(heavy), loaded & heavy


def test_docs_inspect_of_a_text_file_loads_no_pdf_word_or_html_parser(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("The committee met on Tuesday.\n\nIt approved the budget.", "utf-8")
    code = f"""
from core.cli import main
assert main(["docs", "inspect", {str(note)!r}]) == 0
report()
"""
    loaded = loaded_after(code, tmp_path)
    heavy = {*CLIENT_LIBRARIES, *OTHER_FORMATS}
    assert loaded.isdisjoint(heavy), loaded & heavy


def test_the_window_is_built_before_any_client_library_or_keyring_loads(tmp_path: Path) -> None:
    code = """
from PySide6.QtWidgets import QApplication
from desktop.app import DesktopApp
app = QApplication([])
desktop = DesktopApp()
desktop.window.show()
app.processEvents()
report()
desktop.ingest.shutdown()
"""
    loaded = loaded_after(code, tmp_path)
    heavy = {*CLIENT_LIBRARIES, *OTHER_FORMATS}
    assert loaded.isdisjoint(heavy), loaded & heavy


def test_each_command_is_listed_with_the_help_its_own_module_gives() -> None:
    import argparse
    from importlib import import_module

    from core.cli import COMMANDS

    for name, (module, help_text) in COMMANDS.items():
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        import_module(module).register(subparsers)
        [action] = [a for a in subparsers._choices_actions if a.dest == name]
        assert action.help == help_text, name
