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


def _declared() -> set[str]:
    """Distribution names the project declares (dependencies and the embedded extra)."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["embedded"]]
    names = {re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0] for spec in wanted}
    return {name.lower().replace("_", "-") for name in names}


def test_every_library_the_app_imports_is_declared():
    """A package that is only there because another one pulled it in can vanish with it."""
    import ast
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    ours = {"core", "desktop"}
    undeclared: dict[str, set[str]] = {}
    for package in ours:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in stdlib or top in ours or top == "__future__":
                        continue
                    dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                    if not dists & _declared():
                        undeclared.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    assert undeclared == {}
