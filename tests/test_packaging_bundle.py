"""Freezing: the three PyInstaller specs, the cuts, stripping, and the one entry script.

The Linux spec is built for real by .ci/package-check. The macOS and Windows specs cannot
be built here; they are run with stand-ins for PyInstaller's build steps that record what
the spec asks for, and every path they name is checked."""

from __future__ import annotations

import ctypes
import json
import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402
import deb  # noqa: E402
import icons  # noqa: E402
import platform_files  # noqa: E402


class Step:
    """Stands in for Analysis, PYZ, EXE, COLLECT or BUNDLE: keeps its arguments."""

    made: ClassVar[list[Step]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.kind = type(self).__name__
        self.args, self.kwargs = args, kwargs
        # Analysis turns (source, folder) pairs into (destination, source, kind) entries.
        self.binaries = table(kwargs.get("binaries", []), "BINARY")
        self.datas = table(kwargs.get("datas", []), "DATA")
        self.pure: list[Any] = []
        scripts = args[0] if self.kind == "Analysis" else []
        self.scripts = [(Path(s).stem, s, "PYSOURCE") for s in scripts]
        Step.made.append(self)


def table(pairs: list[tuple[str, str]], kind: str) -> list[tuple[str, str, str]]:
    entries = []
    for source, folder in pairs:
        path = Path(source)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            rel = f.relative_to(path) if path.is_dir() else Path(f.name)
            entries.append((str(Path(folder) / rel), str(f), kind))
    return entries


def run_spec(name: str, tmp_path: Path) -> list[Step]:
    kinds = {k: type(k, (Step,), {}) for k in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    Step.made = []
    (tmp_path / "dist" / bundle.NAME).mkdir(parents=True)
    spec = ROOT / "packaging" / name
    scope = {
        **kinds,
        "SPECPATH": str(spec.parent),
        "DISTPATH": str(tmp_path / "dist"),
        "workpath": str(tmp_path / "work"),
        "__file__": str(spec),
    }
    exec(compile(spec.read_text("utf-8"), str(spec), "exec"), scope)
    return Step.made


def made(steps: list[Step], kind: str) -> list[Step]:
    return [s for s in steps if s.kind == kind]


def check_analysis(analysis: Step) -> None:
    [scripts] = analysis.args
    assert [Path(s) for s in scripts] == [bundle.ENTRY_SCRIPT] and bundle.ENTRY_SCRIPT.is_file()
    for source, _dest in analysis.kwargs["binaries"] + analysis.kwargs["datas"]:
        assert Path(source).exists(), source
    assert any(src.endswith(".gguf") for src, _d in analysis.kwargs["datas"])
    assert any("libllama" in src for src, _d in analysis.kwargs["binaries"])
    import importlib.util

    for name in analysis.kwargs["hiddenimports"]:
        assert importlib.util.find_spec(name) is not None, name


def test_linux_spec_names_paths_that_exist_and_links_the_cli(tmp_path: Path):
    steps = run_spec("minions-desktop.spec", tmp_path)
    [analysis] = made(steps, "Analysis")
    check_analysis(analysis)
    [exe] = made(steps, "EXE")
    assert exe.kwargs["name"] == bundle.NAME and exe.kwargs["console"] is False
    assert os.readlink(tmp_path / "dist" / bundle.NAME / bundle.CLI_NAME) == bundle.NAME


def test_macos_spec_makes_an_app_bundle_with_icon_plist_and_signing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    given: list[str] = []

    def iconutil(iconset: Path, icns: Path) -> None:  # macOS's tool; not on this machine
        given.extend(sorted(p.name for p in iconset.iterdir()))
        icns.write_bytes(b"icns")

    monkeypatch.setattr(platform_files, "run_iconutil", iconutil)
    monkeypatch.setenv("MINIONS_CODESIGN_IDENTITY", "Developer ID Application: Example (TEAM1)")
    steps = run_spec("minions-desktop-macos.spec", tmp_path)
    check_analysis(made(steps, "Analysis")[0])
    app, cli = made(steps, "EXE")
    assert (app.kwargs["name"], app.kwargs["console"]) == (bundle.NAME, False)
    assert (cli.kwargs["name"], cli.kwargs["console"]) == (bundle.CLI_NAME, True)
    for exe in (app, cli):
        assert exe.kwargs["codesign_identity"] == "Developer ID Application: Example (TEAM1)"
        entitlements = Path(exe.kwargs["entitlements_file"])
        assert isinstance(plistlib.loads(entitlements.read_bytes()), dict)
    [app_bundle] = made(steps, "BUNDLE")
    assert app_bundle.kwargs["name"] == "Minions.app"
    assert Path(app_bundle.kwargs["icon"]).is_file()
    assert given == sorted(icons.ICONSET)  # the ten images iconutil wants
    plist = app_bundle.kwargs["info_plist"]
    assert plist["CFBundleIdentifier"] == app_bundle.kwargs["bundle_identifier"] == bundle.APP_ID
    assert plist["CFBundleShortVersionString"] == bundle.version()
    assert plist["NSHighResolutionCapable"] is True
    plistlib.dumps(plist)  # every value is one a plist can hold


def test_macos_spec_without_a_signing_identity_leaves_the_app_unsigned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(platform_files, "run_iconutil", lambda _s, icns: icns.write_bytes(b"x"))
    monkeypatch.delenv("MINIONS_CODESIGN_IDENTITY", raising=False)
    steps = run_spec("minions-desktop-macos.spec", tmp_path)
    assert all(exe.kwargs["codesign_identity"] is None for exe in made(steps, "EXE"))


def test_iconutil_outside_macos_says_to_build_on_a_mac(tmp_path: Path):
    if sys.platform == "darwin":
        pytest.skip("this is the non-macOS message")
    with pytest.raises(SystemExit, match=r"build the \.app on a Mac"):
        platform_files.run_iconutil(tmp_path / "a.iconset", tmp_path / "a.icns")


def test_windows_spec_has_an_icon_and_version_information(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import PyInstaller.compat

    # PyInstaller's version-resource reader imports pywin32 by name, unused for reading.
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    from PyInstaller.utils.win32.versioninfo import load_version_info_from_text_file

    steps = run_spec("minions-desktop-windows.spec", tmp_path)
    check_analysis(made(steps, "Analysis")[0])
    app, cli = made(steps, "EXE")
    assert (app.kwargs["console"], cli.kwargs["console"]) == (False, True)
    ico = Path(app.kwargs["icon"])
    assert ico.read_bytes()[:4] == b"\0\0\1\0" and cli.kwargs["icon"] == str(ico)
    info = load_version_info_from_text_file(app.kwargs["version"])
    numbers = tuple(int(n) for n in bundle.version().split("."))
    assert info.ffi.fileVersionMS >> 16 == numbers[0]
    assert (info.ffi.fileVersionMS & 0xFFFF, info.ffi.fileVersionLS >> 16) == numbers[1:3]
    assert len(info.toRaw()) > 200  # the binary resource PyInstaller writes into the .exe
    text = str(info)
    assert f"'ProductVersion', '{bundle.version()}'" in text
    assert f"'OriginalFilename', '{bundle.NAME}.exe'" in text


class Toc:
    def __init__(self, binaries: list[tuple[str, str, str]], datas: list[tuple[str, str, str]]):
        self.binaries, self.datas = binaries, datas


def test_cuts_take_out_unused_qt_pieces_and_os_libraries_and_report_them(tmp_path: Path):
    def file(name: str, size: int) -> str:
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        return str(path)

    plugins = "PySide6/Qt/plugins/"
    xcb = deb.system_library_paths()["libxcb-cursor.so.0"]  # a library the OS provides
    toc = Toc(
        binaries=[
            (plugins + "imageformats/libqsvg.so", file("svg", 10), "BINARY"),
            (plugins + "imageformats/libqjpeg.so", file("jpeg", 1000), "BINARY"),
            (plugins + "platformthemes/libqgtk3.so", file("gtk", 2000), "BINARY"),
            (plugins + "platforms/libqxcb.so", file("xcb", 10), "BINARY"),
            (plugins + "platforms/libqvnc.so", file("vnc", 300), "BINARY"),
            ("libxcb-cursor.so.0", xcb, "BINARY"),
            ("libpython3.11.so.1.0", xcb, "BINARY"),
        ],
        datas=[
            ("PySide6/Qt/translations/qt_de.qm", file("qm", 500), "DATA"),
            ("libqgtk3.so", plugins + "platformthemes/libqgtk3.so", "SYMLINK"),
            ("resources/icons/minions.svg", file("icon", 10), "DATA"),
        ],
    )
    cuts = bundle.Cuts()
    cuts.apply(toc, system_libraries=True)
    kept = [dest for dest, _src, _kind in toc.binaries + toc.datas]
    assert kept == [
        plugins + "imageformats/libqsvg.so",
        plugins + "platforms/libqxcb.so",
        "libpython3.11.so.1.0",  # the frozen app loads Python's library from its own folder
        "resources/icons/minions.svg",
    ]
    saved = {name.split(" (")[0]: value for name, value in cuts.saved.items()}
    assert saved["Qt translations"] == (1, 500)
    assert saved["Qt image formats other than SVG"] == (1, 1000)
    assert saved["Qt GTK3 theme"] == (1, 2000)
    assert saved["OS libraries Debian provides"] == (1, os.path.getsize(xcb))
    assert "    0.0 MB     1 files  Qt translations" in cuts.report()


def test_identical_copies_become_symlinks(tmp_path: Path):
    lib = tmp_path / "llama_cpp" / "lib"
    lib.mkdir(parents=True)
    payload = os.urandom(100_000)
    for name in ("libllama.so", "libllama.so.0", "libllama.so.0.5.0"):
        (lib / name).write_bytes(payload)
    (lib / "libggml.so").write_bytes(os.urandom(100_000))
    assert bundle.link_duplicates(tmp_path) == (2, 200_000)
    assert os.readlink(lib / "libllama.so.0") == "libllama.so"
    assert (lib / "libllama.so.0.5.0").read_bytes() == payload
    assert not (lib / "libggml.so").is_symlink()


def test_strip_removes_debug_symbols_but_leaves_auditwheel_libraries_alone(tmp_path: Path):
    source = tmp_path / "answer.c"
    source.write_text("int answer(void) { return 42; }\n")
    built = tmp_path / "libanswer.so"
    subprocess.run(["gcc", "-g", "-shared", "-fPIC", str(source), "-o", str(built)], check=True)
    plain = tmp_path / "app" / "libanswer.so"
    vendored = tmp_path / "app" / "numpy.libs" / "libanswer.so"
    vendored.parent.mkdir(parents=True)
    shutil.copy(built, plain)
    shutil.copy(built, vendored)
    count, saved = bundle.strip_debug(tmp_path / "app")
    assert count == 1 and saved == built.stat().st_size - plain.stat().st_size > 0
    assert vendored.read_bytes() == built.read_bytes()
    assert ctypes.CDLL(str(plain)).answer() == 42  # still loads and runs


def run_entry(name: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    link = home / name
    link.symlink_to(bundle.ENTRY_SCRIPT)
    env = {
        **os.environ,
        "MINIONS_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),  # a script's own folder, not the cwd, starts sys.path
    }
    return subprocess.run(
        [sys.executable, str(link), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_entry_script_is_the_cli_when_named_minions_and_the_app_otherwise(tmp_path: Path):
    cli = run_entry("minions", "--help", home=tmp_path)
    assert cli.returncode == 0 and cli.stdout.startswith("usage: minions ")
    app = run_entry("MinionsDesktop", "--selftest", home=tmp_path)
    assert app.returncode == 0, app.stderr[-2000:]
    assert json.loads(app.stdout)["data_folder"] == str(tmp_path)


def test_every_module_the_code_imports_by_name_is_frozen_too():
    from core.cli import COMMANDS
    from core.documents.readers import _LOADERS
    from desktop.warmup import CLIENT_MODULES, LAZY_MODULES

    hidden = set(bundle.hidden_imports())
    named = {module for module, _function in _LOADERS.values()}
    named |= (
        {module for module, _help in COMMANDS.values()} | set(LAZY_MODULES) | set(CLIENT_MODULES)
    )
    named |= {"desktop.__main__", "llama_cpp"}
    assert named <= hidden, sorted(named - hidden)
    assert "desktop.single_instance" in hidden and "core.documents.ocr" in hidden
