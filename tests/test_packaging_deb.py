"""The Debian package's pieces: icons, desktop metadata, the .deb layout and its Depends,
and the frozen app's --selftest. The whole package is built, installed and started by
.ci/package-check; these run in seconds on any checkout."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.helpers import real_keyring

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402
import deb  # noqa: E402
import icons  # noqa: E402


def distinct_colours(image: QImage) -> int:
    return len({image.pixel(x, y) for x in range(image.width()) for y in range(image.height())})


def test_hicolor_icons_are_drawn_at_every_size_and_not_blank(tmp_path: Path):
    written = icons.write_hicolor(tmp_path)
    for size in icons.HICOLOR_SIZES:
        image = QImage(str(tmp_path / f"{size}x{size}" / "apps" / "minions-desktop.png"))
        assert (image.width(), image.height()) == (size, size)
        assert distinct_colours(image) > 5  # the drawing, not an empty square
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corners stay transparent
    svg = tmp_path / "scalable" / "apps" / "minions-desktop.svg"
    assert svg.read_bytes() == icons.SVG.read_bytes() and svg in written


def test_ico_holds_every_size_as_a_png():
    data = icons.ico_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    for i, size in enumerate(icons.ICO_SIZES):
        width, height, _c, _r, _p, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        assert width == height == (0 if size == 256 else size) and bits == 32
        image = QImage.fromData(data[offset : offset + length], "PNG")
        assert (image.width(), image.height()) == (size, size)


def test_desktop_entry_and_metainfo_validate_and_agree():
    deb.validate_metadata()  # desktop-file-validate and appstreamcli, hints count as failures
    entry = deb.DESKTOP_ENTRY.read_text("utf-8")
    assert "\nIcon=minions-desktop\n" in entry and icons.ICON_NAME == "minions-desktop"
    assert "\nExec=minions-desktop\n" in entry and "minions-desktop" in deb.LAUNCHERS
    metainfo = deb.METAINFO.read_text("utf-8")
    assert f"<id>{bundle.APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{deb.DESKTOP_ENTRY.name}</launchable>' in metainfo
    assert f'<release version="{bundle.version()}"' in metainfo


def library(soname: str) -> Path:
    path = deb.system_library_paths().get(soname)
    assert path, f"{soname} is not installed (.ci/system-deps installs it)"
    return Path(path)


def fake_bundle(root: Path) -> Path:
    """A folder shaped like the frozen app, with real ELF files from this system."""
    frozen = root / bundle.NAME
    (frozen / "_internal").mkdir(parents=True)
    shutil.copy(shutil.which("true") or "/bin/true", frozen / bundle.NAME)
    (frozen / bundle.CLI_NAME).symlink_to(bundle.NAME)
    # libxcb-cursor needs libxcb (shipped here too) and libxcb-render (left to Debian).
    shutil.copy(library("libxcb-cursor.so.0"), frozen / "_internal" / "libxcb-cursor.so.0")
    shutil.copy(library("libxcb.so.1"), frozen / "_internal" / "libxcb.so.1")
    return frozen


def deb_field(package: Path, field: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(package), field], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_deb_installs_the_app_launchers_entry_icons_and_depends_on_what_it_needs(
    tmp_path: Path,
):
    package = deb.build(fake_bundle(tmp_path), tmp_path / "out", compression="gzip")
    assert (
        package.name
        == f"minions-desktop_{bundle.version()}_{deb_field(package, 'Architecture')}.deb"
    )
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(package)], capture_output=True, text=True, check=True
    ).stdout
    assert "-rwxr-xr-x root/root" in next(
        line
        for line in listing.splitlines()
        if line.endswith("./opt/minions-desktop/MinionsDesktop")
    )
    assert "./usr/bin/minions-desktop -> /opt/minions-desktop/MinionsDesktop" in listing
    assert "./usr/bin/minions -> /opt/minions-desktop/minions" in listing
    assert "./usr/share/applications/minions-desktop.desktop" in listing
    assert f"./usr/share/metainfo/{bundle.APP_ID}.metainfo.xml" in listing
    for size in icons.HICOLOR_SIZES:
        assert f"./usr/share/icons/hicolor/{size}x{size}/apps/minions-desktop.png" in listing
    assert "./usr/share/icons/hicolor/scalable/apps/minions-desktop.svg" in listing
    assert "./usr/share/doc/minions-desktop/copyright" in listing

    depends = deb_field(package, "Depends").split(", ")
    assert "libc6" in depends and "libxcb-render0" in depends
    assert "libxcb1" not in depends  # the bundle holds libxcb.so.1 itself
    assert deb_field(package, "Version") == bundle.version()
    assert int(deb_field(package, "Installed-Size")) > 0
    info = subprocess.run(
        ["dpkg-deb", "-I", str(package)], capture_output=True, text=True, check=True
    ).stdout
    assert "*  postinst" in info and "*  postrm" in info  # executable maintainer scripts


def test_deb_names_a_library_the_app_needs_that_this_machine_lacks(tmp_path: Path):
    frozen = fake_bundle(tmp_path)
    # A real ELF whose NEEDED entry names a library no package provides.
    plugin = frozen / "_internal" / "libxcb-cursor.so.0"
    data = plugin.read_bytes()
    assert data.count(b"libxcb-render.so.0\0") == 1
    plugin.write_bytes(data.replace(b"libxcb-render.so.0\0", b"libxcb-rendez.so.0\0"))
    with pytest.raises(deb.PackagingError) as raised:
        deb.build(frozen, tmp_path / "out", compression="gzip")
    assert "libxcb-rendez.so.0 (for _internal/libxcb-cursor.so.0)" in str(raised.value)
    assert not list((tmp_path / "out").glob("*.deb"))


def test_deb_without_a_frozen_app_says_what_to_run(tmp_path: Path, capsys):
    assert deb.main(["--bundle", str(tmp_path / "nothing"), "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"deb.py: no frozen app in {tmp_path / 'nothing'}: run packaging/build.sh first"
    )


def selftest(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--selftest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_selftest_finds_the_icon_the_model_the_runtime_and_the_data_folder(minions_home: Path):
    found = selftest({**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert found["frozen"] is False
    assert found["icon"] == str(ROOT / "resources" / "icons" / "minions.svg")
    assert str(found["model"]).endswith(".gguf") and Path(str(found["model"])).is_file()
    assert found["embedded_runtime"] is True
    assert found["data_folder"] == str(minions_home)


@pytest.mark.keyring
@real_keyring
def test_selftest_round_trips_a_secret_through_the_real_keyring(minions_home: Path):
    found = selftest({**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "SecretService" in str(found["keyring"])
    assert found["keyring_round_trip"] is True


@pytest.mark.realmodel
def test_selftest_model_lets_the_built_in_model_answer(minions_home: Path):
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--selftest", "model"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "420" in json.loads(done.stdout)["model_reply"]
