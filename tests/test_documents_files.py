"""Files that are not what their names say: pipes and devices, names that hide their real
type, and parsers that fail in ways nobody planned for. Each gets one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.cli import main
from core.documents import DocumentError, load_document_sync
from core.documents.names import display_name
from tests.docfixtures import make_pdf


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def refused(path: Path, kind: str) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_document_sync(path)
    assert caught.value.kind == kind, caught.value.message
    assert "\n" not in caught.value.message
    return caught.value


# --- not a regular file ----------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_called_txt_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "notes.txt"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_document_sync(fifo)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the reader before failing, so the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a named pipe blocked")
    assert isinstance(outcome[0], DocumentError)
    assert outcome[0].message == "notes.txt cannot be read: it is a named pipe, not a regular file."


def test_device_is_refused(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    error = refused(Path("/dev/zero"), "unreadable")
    assert "device, not a regular file" in error.message


# --- names that hide what a file is ----------------------------------------------------------


def test_display_name_escapes_what_could_disguise_a_name() -> None:
    assert display_name("Rapport annuel – été 2024.pdf") == "Rapport annuel – été 2024.pdf"
    assert display_name("合同.docx") == "合同.docx"
    assert display_name("invoice\u202efdp.txt") == "invoice\\u202efdp.txt"
    assert display_name("a\nb.txt") == "a\\nb.txt"
    assert display_name("tab\there\x07.md") == "tab\\there\\x07.md"
    assert display_name("zero\u200bwidth\u2066.csv") == "zero\\u200bwidth\\u2066.csv"
    assert display_name("back\\slash\n") == "back\\\\slash\\n"  # escaped names stay unambiguous


def test_direction_override_in_a_name_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "invoice\u202efdp.txt", b"Amount due: 12 EUR\n")
    doc = load_document_sync(path)
    assert doc.name == "invoice\\u202efdp.txt"
    assert main(["docs", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("invoice\\u202efdp.txt\n") and "\u202e" not in out
    assert main(["docs", "inspect", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out  # escaped in the JSON text, and the real path when decoded
    assert json.loads(out)["path"] == str(path)


def test_newline_in_a_name_cannot_split_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "report.pdf\nminions: all good.pdf", b"%PDF-1.4\n garbage")
    assert main(["docs", "inspect", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("minions: report.pdf\\nminions: all good.pdf is damaged")
    with pytest.raises(DocumentError) as caught:
        load_document_sync(tmp_path / "gone\u202e.txt")
    assert caught.value.message == "gone\\u202e.txt cannot be read: it does not exist."


def test_truncated_pdf_prints_one_line_and_nothing_from_the_parser(tmp_path: Path) -> None:
    data = make_pdf([["x" * 40] for _ in range(10)])
    path = write(tmp_path / "cut.pdf", data[: len(data) // 2])
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "core", "docs", "inspect", str(path)],
        cwd=root,
        env={**os.environ, "MINIONS_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("minions: cut.pdf is damaged or incomplete")


def test_a_parser_failing_in_an_unexpected_way_still_gives_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.documents import rtf

    def broken(*args: object) -> object:
        raise ValueError("unexpected\nsecond line")

    monkeypatch.setattr(rtf, "load_rtf", broken)
    error = refused(write(tmp_path / "odd.rtf", rb"{\rtf1 x}"), "corrupt")
    assert error.message == "odd.rtf could not be read as RTF (unexpected)."
