"""core is importable and usable with Qt absent, and never imports the desktop package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK_QT = """
import importlib, importlib.abc, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'qasync', 'desktop', 'shiboken6'}:
            raise ImportError(f'core imported {name}')
sys.meta_path.insert(0, Block())
import core
for info in pkgutil.walk_packages(core.__path__, 'core.'):
    if info.name != 'core.__main__':
        importlib.import_module(info.name)
print('ok')
"""


def test_every_core_module_imports_with_qt_unavailable():
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_QT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
