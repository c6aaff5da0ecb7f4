"""The files only the macOS and Windows builds need: icons, version resource, Info.plist.

The specs call these at build time, on their own OS; the tests call them here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import icons
from bundle import APP_ID, COPYRIGHT, DISPLAY_NAME, NAME, version


def windows_version_text() -> str:
    """A Windows version resource in PyInstaller's text form, from pyproject's version."""
    parts = [int(p) for p in re.findall(r"\d+", version())[:3]]
    numbers = tuple([*parts, 0, 0, 0, 0][:4])
    strings = {
        "CompanyName": "The Minions Desktop developers",
        "FileDescription": f"{DISPLAY_NAME}: ask questions about your private documents",
        "FileVersion": version(),
        "InternalName": NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{NAME}.exe",
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version(),
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return (
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3F, flags=0x0,\n"
        "    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[\n"
        "    StringFileInfo([\n"
        "      StringTable('040904B0', [\n"
        f"{table}\n"
        "      ])\n"
        "    ]),\n"
        "    VarFileInfo([VarStruct('Translation', [1033, 1200])])\n"
        "  ]\n"
        ")\n"
    )


def windows_files(workdir: Path) -> tuple[Path, Path]:
    """The .ico and the version file the Windows spec names, written into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    ico = workdir / "minions.ico"
    ico.write_bytes(icons.ico_bytes())
    version_file = workdir / "version-info.txt"
    version_file.write_text(windows_version_text(), "utf-8")
    return ico, version_file


def run_iconutil(iconset: Path, icns: Path) -> None:
    if sys.platform != "darwin":
        raise SystemExit("iconutil exists only on macOS: build the .app on a Mac")
    subprocess.run(["iconutil", "-c", "icns", str(iconset), "-o", str(icns)], check=True)


def macos_icns(workdir: Path) -> Path:
    """The .icns for the app bundle: our PNGs turned into one by macOS's own iconutil."""
    iconset = workdir / f"{NAME}.iconset"
    icons.write_iconset(iconset)
    icns = workdir / f"{NAME}.icns"
    run_iconutil(iconset, icns)
    return icns


def info_plist() -> dict[str, object]:
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "CFBundleIdentifier": APP_ID,
        "LSApplicationCategoryType": "public.app-category.productivity",
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follows the system's dark mode
        "NSHumanReadableCopyright": COPYRIGHT,
    }
