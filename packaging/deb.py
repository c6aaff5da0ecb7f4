"""Build the Debian package from the frozen app: dist/minions-desktop_<version>_<arch>.deb.

    python packaging/deb.py [--bundle dist/MinionsDesktop] [--out dist] [--compression zstd]

Installs the one-folder app under /opt/minions-desktop, launchers on the PATH, the desktop
entry, the icon in the hicolor sizes and the AppStream metadata. The Depends line is worked
out from the bundle itself: every shared library a file in it needs and the bundle does not
hold is looked up with ldconfig, and the Debian package owning it becomes a dependency.
Run it with the project's Python (it draws the icons with Qt).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle
import icons

PACKAGE = "minions-desktop"
PREFIX = Path("opt") / PACKAGE
RESOURCES = bundle.ROOT / "resources"
DEBIAN = Path(__file__).resolve().parent / "debian"
METAINFO = RESOURCES / f"{bundle.APP_ID}.metainfo.xml"
DESKTOP_ENTRY = RESOURCES / f"{PACKAGE}.desktop"
# /usr/bin links: the executable runs the command line when its name is `minions`.
LAUNCHERS = {PACKAGE: bundle.NAME, bundle.CLI_NAME: bundle.CLI_NAME}
# Chosen by measurement (docs/packaging.md): zstd packs within a few per cent of xz in a
# fraction of its time. dpkg reads zstd since 1.21.18 (Debian 12, Ubuntu 21.10).
COMPRESSION = "zstd"
LEVELS = {"zstd": "3", "xz": "6", "gzip": "6", "none": "0"}


class PackagingError(Exception):
    """A problem the build reports as one line, with what to do about it."""


def run(*cmd: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackagingError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def outside_libraries(folder: Path) -> dict[str, set[str]]:
    """Sonames needed by the bundle's files but not in it: soname -> the files needing it."""
    inside = {p.name for p in folder.rglob("*")}
    missing: dict[str, set[str]] = {}
    for path in bundle.elf_files(folder):
        for soname in bundle.needed(str(path)):
            if soname not in inside:
                missing.setdefault(soname, set()).add(str(path.relative_to(folder)))
    return missing


def system_library_paths() -> dict[str, str]:
    """soname -> path, from the dynamic linker's cache, for this machine's architecture."""
    paths: dict[str, str] = {}
    for line in run("ldconfig", "-p").splitlines()[1:]:
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and ("x86-64" in match.group(2)) == (os.uname().machine == "x86_64"):
            paths.setdefault(match.group(1), match.group(3))
    return paths


def owning_packages(paths: Iterable[str]) -> dict[str, str]:
    """path -> Debian package, trying both /lib and /usr/lib (merged /usr keeps one in dpkg)."""
    forms: dict[str, str] = {}
    for path in paths:
        for form in {path, os.path.realpath(path)}:
            forms[form] = path
            if form.startswith("/usr/lib/"):
                forms[form[4:]] = path
            elif form.startswith("/lib/"):
                forms["/usr" + form] = path
    done = subprocess.run(["dpkg-query", "-S", *forms], capture_output=True, text=True)
    owners: dict[str, str] = {}
    for line in done.stdout.splitlines():
        package, _, found = line.partition(": ")
        if found in forms and "," not in package:
            owners.setdefault(forms[found], package.split(":")[0])
    return owners


def depends(folder: Path) -> list[str]:
    """The Debian packages providing every library the bundle needs from the system."""
    missing = outside_libraries(folder)
    known = system_library_paths()
    absent = sorted(soname for soname in missing if soname not in known)
    if absent:
        users = "; ".join(f"{s} (for {sorted(missing[s])[0]})" for s in absent)
        raise PackagingError(
            f"libraries the app needs are not installed here: {users}. Install the Debian "
            "packages that provide them (.ci/system-deps lists them); they become Depends"
        )
    owners = owning_packages(known[s] for s in missing)
    unowned = sorted(s for s in missing if known[s] not in owners)
    if unowned:
        raise PackagingError(f"no Debian package owns {', '.join(unowned)}")
    return sorted(set(owners.values()))


def validate_metadata() -> None:
    """The desktop entry and the AppStream file, checked by the desktops' own validators."""
    for tool, path in (("desktop-file-validate", DESKTOP_ENTRY), ("appstreamcli", METAINFO)):
        if shutil.which(tool) is None:
            raise PackagingError(f"{tool} is missing; .ci/system-deps installs it")
        cmd = (
            [tool, str(path)]
            if tool != "appstreamcli"
            else [tool, "validate", "--no-net", str(path)]
        )
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        said = done.stdout.strip() if tool != "appstreamcli" else ""
        if done.returncode != 0 or said:
            raise PackagingError(f"{path.name} does not validate: {done.stdout}{done.stderr}")


def control(version: str, arch: str, size_kib: int, deps: list[str]) -> str:
    summary = "ask questions about private documents; a local model reads them"
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Minions Desktop packagers <packaging@minions-desktop.invalid>\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(deps)}\n"
        "Section: utils\n"
        "Priority: optional\n"
        f"Description: {summary}\n"
        " Minions answers questions about your files. A small model on this computer\n"
        " reads them; a cloud model plans and reasons but never receives the files.\n"
        " Every request that leaves the computer is written to an append-only,\n"
        " hash-chained audit before it is sent. The built-in SmolLM2-135M model\n"
        " answers in Local only mode with nothing else installed.\n"
    )


def stage(frozen: Path, root: Path) -> None:
    """Lay out the package's files under ``root`` (everything but DEBIAN/)."""
    shutil.copytree(frozen, root / PREFIX, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for command, executable in LAUNCHERS.items():
        (bin_dir / command).symlink_to(f"/{PREFIX}/{executable}")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copyfile(DESKTOP_ENTRY, share / "applications" / DESKTOP_ENTRY.name)
    icons.write_hicolor(share / "icons" / "hicolor")
    (share / "metainfo").mkdir()
    shutil.copyfile(METAINFO, share / "metainfo" / METAINFO.name)
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    shutil.copyfile(DEBIAN / "copyright", doc / "copyright")
    for path in root.rglob("*"):  # dpkg-deb refuses group-writable maintainer files
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def installed_size_kib(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() or p.is_symlink())
    return (total + 1023) // 1024


def build(frozen: Path, out_dir: Path, compression: str = COMPRESSION) -> Path:
    if not (frozen / bundle.NAME).is_file():
        raise PackagingError(f"no frozen app in {frozen}: run packaging/build.sh first")
    if compression not in LEVELS:
        raise PackagingError(f"unknown compression {compression!r} (one of {', '.join(LEVELS)})")
    validate_metadata()
    version = bundle.version()
    arch = run("dpkg", "--print-architecture").strip()
    work = out_dir / "deb-root"
    shutil.rmtree(work, ignore_errors=True)
    stage(frozen, work)
    deps = depends(work / PREFIX)
    meta = work / "DEBIAN"
    meta.mkdir()
    text = control(version, arch, installed_size_kib(work), deps)
    (meta / "control").write_text(text, "utf-8")
    for script in ("postinst", "postrm"):
        shutil.copyfile(DEBIAN / script, meta / script)
        (meta / script).chmod(0o755)
    target = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    started = time.monotonic()
    run(
        "dpkg-deb",
        "--root-owner-group",
        f"-Z{compression}",
        f"-z{LEVELS[compression]}",
        "--build",
        str(work),
        str(target),
    )
    took = time.monotonic() - started
    shutil.rmtree(work)
    size = target.stat().st_size / 1e6
    print(f"{target}: {size:.1f} MB ({compression}, {took:.0f} s to compress)")
    print(f"Depends: {', '.join(deps)}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/deb.py", description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=bundle.ROOT / "dist" / bundle.NAME)
    parser.add_argument("--out", type=Path, default=bundle.ROOT / "dist")
    parser.add_argument(
        "--compression", default=os.environ.get("MINIONS_DEB_COMPRESSION", COMPRESSION)
    )
    args = parser.parse_args(argv)
    try:
        build(args.bundle, args.out, args.compression)
    except PackagingError as exc:
        print(f"deb.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
