"""Check the installed minions-desktop package as a person meets it; .ci/package-check runs it.

    python packaging/check_installed.py

Every check starts the installed program (/usr/bin/...), never the source tree, with a
throwaway HOME, so the data folder is the platform's default inside it. Each prints one
line with what it saw and how long it took; the first failure exits 1.

The built-in model is checked twice: ``--selftest model`` loads it from /opt and lets it
answer a short question, and ``local_answer`` asks a whole Local only question about a
file through the installed ``minions ask``, with no Ollama and no cloud settings, as a new
user on a machine with nothing else installed would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle
import icons

PREFIX = Path("/opt/minions-desktop")
APP = "/usr/bin/minions-desktop"
CLI = "/usr/bin/minions"
SHARE = Path("/usr/share")
FACT = "The invoice total is 420 euros."


class CheckFailed(Exception):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def user_env(home: Path) -> dict[str, str]:
    """A new user's environment: empty HOME, no Ollama, no cloud settings, no display."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MINIONS_HOME", "OPENAI_", "XDG_DATA", "XDG_CONFIG"))
    }
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", OLLAMA_HOST="http://127.0.0.1:9")
    return env


def files_in_place(_home: Path) -> str:
    for command in (APP, CLI):
        expect(os.access(command, os.X_OK), f"{command} is not an executable")
    entry = SHARE / "applications" / "minions-desktop.desktop"
    expect(entry.is_file(), f"no {entry}")
    for size in icons.HICOLOR_SIZES:
        icon = SHARE / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "minions-desktop.png"
        expect(icon.is_file(), f"no {icon}")
    expect((SHARE / "icons/hicolor/scalable/apps/minions-desktop.svg").is_file(), "no SVG icon")
    expect((SHARE / "metainfo" / f"{bundle.APP_ID}.metainfo.xml").is_file(), "no metainfo")
    return f"launchers, desktop entry, {len(icons.HICOLOR_SIZES)} PNG sizes + SVG, metainfo"


def metadata_validates(_home: Path) -> str:
    metainfo = SHARE / "metainfo" / f"{bundle.APP_ID}.metainfo.xml"
    done = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
    )
    expect(done.returncode == 0, f"appstreamcli: {done.stdout}{done.stderr}")
    entry = SHARE / "applications" / "minions-desktop.desktop"
    done = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    expect(
        done.returncode == 0 and not done.stdout.strip(), f"desktop-file-validate: {done.stdout}"
    )
    return "appstreamcli validate and desktop-file-validate pass"


def libraries_resolve(_home: Path) -> str:
    count = 0
    for path in bundle.elf_files(PREFIX):
        count += 1
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
        missing = [line.strip() for line in out.splitlines() if "not found" in line]
        expect(not missing, f"{path}: {missing}")
    return f"ldd finds every library of {count} ELF files"


def selftest(home: Path) -> str:
    done = subprocess.run(
        [APP, "--selftest", "model"], env=user_env(home), capture_output=True, text=True
    )
    expect(done.returncode == 0, f"--selftest exited {done.returncode}: {done.stderr[-1000:]}")
    found = json.loads(done.stdout)
    expect(found["frozen"], "the installed app is not the frozen one")
    for key in ("icon", "model"):
        expect(str(found[key]).startswith(str(PREFIX)), f"{key} not from the package: {found[key]}")
    expect(found["embedded_runtime"], "llama.cpp is missing from the package")
    data = home / ".local" / "share" / "minions-desktop"
    expect(found["data_folder"] == str(data), f"data folder {found['data_folder']} != {data}")
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):  # inside .ci/with-keyring
        expect(found["keyring_round_trip"], f"keyring round trip failed: {found['keyring']}")
    expect("420" in found["model_reply"], f"the built-in model said {found['model_reply']!r}")
    return f"keyring: {found['keyring']}; the built-in model said {found['model_reply']!r}"


def screenshot(home: Path) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    shot = home / "shot.png"
    done = subprocess.run(
        [APP, "--screenshot", str(shot)], env=user_env(home), capture_output=True, text=True
    )
    expect(done.returncode == 0, f"--screenshot exited {done.returncode}: {done.stderr[-1000:]}")
    expect(shot.is_file(), "no PNG written")
    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(str(shot))
    expect(image.width() >= 800 and image.height() >= 600, f"PNG is {image.size()}")
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    expect(len(colours) > 20, f"the PNG looks blank ({len(colours)} colours)")
    return f"{image.width()}x{image.height()} PNG, {len(colours)} colours sampled"


def single_instance(home: Path) -> str:
    env = user_env(home)
    log = home / ".local" / "share" / "minions-desktop" / "logs" / "desktop.log"
    first = subprocess.Popen(
        [APP],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its file readers share its process group
    )
    try:
        deadline = time.monotonic() + 60
        while "single instance: listening" not in (log.read_text() if log.exists() else ""):
            expect(time.monotonic() < deadline and first.poll() is None, "the app did not start")
            time.sleep(0.1)
        second = subprocess.run([APP], env=env, capture_output=True, text=True, timeout=90)
        expect(second.returncode == 0, f"second start exited {second.returncode}: {second.stderr}")
        expect("brought the window forward" in log.read_text(), "the first window was not raised")
        expect(first.poll() is None, "the first app stopped")
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the app and its reader processes
        first.wait()
    return "a second start raised the first window and exited 0"


def local_answer(home: Path) -> str:
    doc = home / "invoice.txt"
    doc.write_text(f"Invoice 2291\n{FACT}\nPayment is due on 3 March.\n", "utf-8")
    question = "What is the invoice total?"
    done = subprocess.run(
        [CLI, "ask", question, "--doc", str(doc), "--local-only", "--json"],
        env=user_env(home),
        capture_output=True,
        text=True,
    )
    expect(done.returncode == 0, f"minions ask exited {done.returncode}: {done.stderr[-1000:]}")
    answer = json.loads(done.stdout)
    expect(answer["protocol"] == "local", f"protocol {answer['protocol']}")
    expect(answer["usage"]["local_prompt_tokens"] > 0, "the built-in model was not used")
    expect(answer["usage"]["remote_prompt_tokens"] == 0, "the cloud model was asked")
    expect(answer["egress"]["requests"] == 0, "a request left the machine")
    expect("420" in answer["answer"], f"wrong answer: {answer['answer']!r}")
    return f"built-in model answered: {answer['answer']!r}"


LETTER = ["The vault access code for the Harwick archive is 7781-KESTREL.", "Keep this letter."]


def sample_documents(folder: Path) -> list[Path]:
    """A small file for each loader that leans on a library of its own (pypdf; pdfium with
    the OCR stack; python-docx, openpyxl, python-pptx, striprtf, BeautifulSoup; the e-book
    and mail readers), made with the tests' generators. The other kinds (text, CSV,
    OpenDocument, mbox) use the standard library only and share these readers' code."""
    sys.path.insert(0, str(bundle.ROOT))
    from tests import docfixtures as make

    files = {
        "report.pdf": make.make_pdf([make.filler_lines(1, 5), [FACT]]),
        "scan.pdf": make.scanned_pdf([make.text_image(LETTER)]),
        "page.html": f"<html><body><h1>Invoice</h1><p>{FACT}</p></body></html>".encode(),
        "letter.rtf": rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Caf\'e9 au lait\par}",
        "mail.eml": make.make_email("Invoice", FACT, [("notes.txt", FACT.encode())]),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    make.make_docx(folder / "report.docx")
    make.make_xlsx(folder / "budget.xlsx", {"Budget": [["Item", "Cost"], ["Rent", 1200]]})
    make.make_pptx(folder / "deck.pptx", [("Plan", ["Ship it", "Then rest"], "Speak slowly")])
    make.make_epub(folder / "book.epub", [("Chapter one", FACT), ("Chapter two", "The end.")])
    return sorted(folder.iterdir())


def documents(home: Path) -> str:
    """Each kind of file reads the same through the installed CLI as through this checkout."""
    folder = home / "files"
    folder.mkdir()
    paths = sample_documents(folder)

    def installed(path: Path) -> subprocess.CompletedProcess[str]:
        command = [CLI, "docs", "inspect", str(path), "--json"]
        return subprocess.run(command, env=user_env(home), capture_output=True, text=True)

    # The installed CLI reads the files in parallel while this process reads them itself.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        running = [pool.submit(installed, path) for path in paths]
        os.environ["MINIONS_HOME"] = str(home / "development")
        from core.documents import chunk_document, inspect_document, load_document_sync

        expected = [inspect_document(d, chunk_document(d)) for d in map(load_document_sync, paths)]
        runs = [future.result() for future in running]
    kinds = []
    for path, done, wanted in zip(paths, runs, expected, strict=True):
        expect(done.returncode == 0, f"{path.name}: {done.stderr.strip()[-500:]}")
        found = json.loads(done.stdout)
        expect(found == wanted, f"{path.name}: installed {found} != development {wanted}")
        kinds.append(found["kind"])
    return f"{len(paths)} files read alike: {', '.join(sorted(set(kinds)))}"


CHECKS: list[Callable[[Path], str]] = [
    files_in_place,
    metadata_validates,
    libraries_resolve,
    selftest,
    screenshot,
    single_instance,
    documents,
    local_answer,
]


def main(argv: list[str]) -> int:
    for check in CHECKS:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="minions-user-") as home:
            try:
                said = check(Path(home))
            except (CheckFailed, subprocess.TimeoutExpired, KeyError, ValueError) as exc:
                print(f"FAIL {check.__name__}: {exc}", file=sys.stderr)
                return 1
        print(f"ok   {check.__name__} ({time.monotonic() - started:.1f} s): {said}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
