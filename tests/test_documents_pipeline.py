"""Loading off the event loop, progress, the on-disk cache, and ``minions docs inspect``."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from core.cli import main
from core.documents import Document, LoadCancelled, load_document, load_document_sync
from core.documents import loading as loading_module
from core.documents.extraction import Extraction
from tests.docfixtures import encrypt_pdf, filler_lines, make_pdf


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    path = tmp_path / "book.pdf"
    path.write_bytes(make_pdf([filler_lines(n, 5) for n in range(1, 31)]))
    return path


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> Extraction:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(loading_module, "extract", fail)


def test_second_load_comes_from_the_cache(
    pdf_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_document_sync(pdf_path)
    assert list((home / "cache" / "documents").glob("*.json"))
    forbid_parsing(monkeypatch)
    copy = pdf_path.with_name("same-content.pdf")
    copy.write_bytes(pdf_path.read_bytes())
    second = load_document_sync(copy)
    assert (second.id, second.text, second.pages) == (first.id, first.text, first.pages)
    assert second.name == "same-content.pdf" and second.path == str(copy)
    with pytest.raises(AssertionError):
        load_document_sync(pdf_path, use_cache=False)


def test_document_id_is_the_content_hash(pdf_path: Path, tmp_path: Path) -> None:
    import hashlib

    doc = load_document_sync(pdf_path, use_cache=False)
    assert doc.id == hashlib.sha256(pdf_path.read_bytes()).hexdigest()[:16]
    assert doc.size_bytes == pdf_path.stat().st_size


def test_damaged_cache_entry_is_ignored(pdf_path: Path, home: Path) -> None:
    first = load_document_sync(pdf_path)
    for text_file in (home / "cache" / "documents").glob("*.txt"):
        text_file.write_text("truncated", encoding="utf-8")
    assert load_document_sync(pdf_path).text == first.text
    for record in (home / "cache" / "documents").glob("*.json"):
        record.write_text("{not json", encoding="utf-8")
    assert load_document_sync(pdf_path).text == first.text


def test_failed_load_leaves_the_cache_as_it_was(tmp_path: Path, home: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("kept", encoding="utf-8")
    load_document_sync(good)
    before = sorted(p.name for p in (home / "cache" / "documents").iterdir())
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(Exception, match="damaged"):
        load_document_sync(bad)
    assert sorted(p.name for p in (home / "cache" / "documents").iterdir()) == before


def test_progress_counts_pdf_pages(pdf_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    load_document_sync(pdf_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 30) for n in range(31)]
    seen.clear()
    load_document_sync(pdf_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]  # from the cache: one step


async def test_async_load_runs_in_a_worker_thread(pdf_path: Path) -> None:
    threads: set[int] = set()
    doc = await load_document(pdf_path, progress=lambda d, t: threads.add(threading.get_ident()))
    assert isinstance(doc, Document) and len(doc.pages) == 30
    assert threads and threading.get_ident() not in threads


async def test_async_load_reports_errors_as_document_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()
    with pytest.raises(Exception, match="is empty") as caught:
        await load_document(empty)
    assert getattr(caught.value, "kind", None) == "empty"


async def test_cancelling_stops_the_worker_at_the_next_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(make_pdf([filler_lines(n, 3) for n in range(1, 201)]))
    started, release = threading.Event(), threading.Event()
    pages_seen: list[int] = []
    finished = threading.Event()

    def progress(done: int, total: int) -> None:
        pages_seen.append(done)
        if done == 1:
            started.set()
            release.wait(5)

    original = loading_module.load_document_sync

    def tracked(*args: object, **kwargs: object) -> Document:
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        except LoadCancelled:
            finished.set()
            raise

    monkeypatch.setattr(loading_module, "load_document_sync", tracked)
    task = asyncio.create_task(load_document(path, progress=progress, use_cache=False))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert await asyncio.to_thread(finished.wait, 5)
    assert max(pages_seen) < 200


def test_cli_inspect_prints_what_the_app_sees(
    pdf_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "inspect", str(pdf_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "pdf" and info["pages"] == 30 and info["name"] == "book.pdf"
    assert info["characters"] > 0 and info["estimated_tokens"] > 0 and info["chunks"] >= 1
    assert info["warnings"] == []

    assert main(["docs", "inspect", str(pdf_path), "--target-chars", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("book.pdf\n")
    for label in ("type", "pages", "characters", "estimated tokens", "chunks"):
        assert f"  {label}" in out


def test_cli_inspect_shows_warnings_and_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "misnamed.txt"
    path.write_bytes(make_pdf([["hello"]]))
    assert main(["docs", "inspect", str(path)]) == 0
    assert "warning: Named like plain text but is a PDF" in capsys.readouterr().out
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n", encoding="utf-8")
    assert main(["docs", "inspect", str(notes)]) == 0
    assert "  sections" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(encrypt_pdf(make_pdf([["secret"]]), "pw"))
    assert main(["docs", "inspect", str(locked)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "encrypted" in err and "--password" in err
    assert main(["docs", "inspect", str(locked), "--password", "pw", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["characters"] == len("secret")

    assert main(["docs", "inspect", str(tmp_path / "nope.docx")]) == 1
    assert capsys.readouterr().err == "minions: nope.docx cannot be read: it does not exist.\n"
    big = tmp_path / "big.txt"
    big.write_text("x" * 3000, encoding="utf-8")
    assert main(["docs", "inspect", str(big), "--max-mb", "0.001"]) == 1
    assert "--max-mb" in capsys.readouterr().err


def test_unchanged_file_is_not_even_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    path = tmp_path / "notes.txt"
    path.write_text("First version of the notes.\n", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    first = load_document_sync(path)
    reads: list[Path] = []
    original = loading_module._read

    def counting(handle, *args):  # type: ignore[no-untyped-def]
        reads.append(Path(handle.name))
        return original(handle, *args)

    monkeypatch.setattr(loading_module, "_read", counting)
    forbid_parsing(monkeypatch)
    again = load_document_sync(path)
    assert (again.id, again.text, again.size_bytes) == (first.id, first.text, first.size_bytes)
    assert reads == []  # known by its size, times and inode: the cached text was enough

    path.write_text("Second version, same length!\n"[: len(first.text)], encoding="utf-8")
    monkeypatch.undo()
    changed = load_document_sync(path)
    assert changed.text != first.text and changed.id != first.id


def test_file_changed_just_before_it_was_recorded_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.txt"
    path.write_text("Written a moment ago.\n", encoding="utf-8")
    load_document_sync(path)
    reads: list[int] = []
    original = loading_module._read

    def counting(*args):  # type: ignore[no-untyped-def]
        reads.append(1)
        return original(*args)

    monkeypatch.setattr(loading_module, "_read", counting)
    forbid_parsing(monkeypatch)
    assert load_document_sync(path).text == "Written a moment ago.\n"
    assert reads == [1]  # read and hashed, then found in the cache by its content
