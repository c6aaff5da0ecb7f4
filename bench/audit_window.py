"""How long the event loop stalls while the audit window opens on 20,000 records.

A 1 ms QTimer ticks on the qasync loop (as in the app) while the audit window is built,
shown, loaded, verified and filtered; the longest gap between ticks is how long the
window could not respond. The first window also starts the audit process (reading and
checking run there, off the GIL): that open is measured once, apart. The baseline is
the window as it was before this change (read from git, commit ``BASELINE``), which
read every record, body included, and verified the chain on the event loop; it runs
in the same process, on the same file, alternating with the new window. An idle loop
for as long gives the machine's own noise.

Target: longest gap under 50 ms with 20,000 records.
Run: .venv/bin/python bench/audit_window.py [--runs N]   (exit status 1 when missed)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.TemporaryDirectory(prefix="minions-bench-")
os.environ["MINIONS_HOME"] = _home.name

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bench.ticks import GapMeter  # noqa: E402
from core.privacy.audit import AuditStore  # noqa: E402
from core.storage.secrets import MemoryStore  # noqa: E402
from desktop.app import freeze_startup_objects  # noqa: E402
from desktop.ui.audit_window import AuditWindow  # noqa: E402

RECORDS = 20_000
BASELINE = "c599268"  # the last commit with the old audit window
TARGET_MS = 50.0
SETTINGS = types.SimpleNamespace(supervisor_on_this_computer=False)


def seed(store: AuditStore, count: int) -> None:
    """``count`` records: requests of a few KB with provenance spans, and their replies."""
    store._db.execute("PRAGMA synchronous=OFF")  # seeding only: no fsync per record
    anchor = store._advance_anchor
    store._advance_anchor = lambda: None  # type: ignore[method-assign]  # once, at the end
    filler = "The lessee shall keep the premises in good repair and return them. " * 40
    for n in range(count // 2):
        content = f"Question {n}: what does the lease say? Findings: {filler}"
        body = json.dumps(
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
        ).encode()
        start = body.index(b"The lessee")
        meta = {
            "task": f"Question {n}",
            "documents": {f"doc-{n % 7}": {"name": f"lease-{n % 7}.pdf", "chars": 90_000}},
            "spans": [
                {"start": start, "end": start + 300, "source": "document",
                 "document_id": f"doc-{n % 7}", "doc_start": 40 * n, "doc_end": 40 * n + 300,
                 "page": 1 + n % 30},
            ],
            "destination": {"host": "api.openai.com", "port": None, "loopback": False,
                            "seat": "supervisor"},
        }  # fmt: skip
        sent = store.append(
            kind="request",
            endpoint="https://api.openai.com/v1/chat/completions",
            body=body,
            model="gpt-4o-mini",
            conversation_id=f"c{n % 40}",
            run_id=f"r{n // 4}",
            meta=meta,
        )
        store.append(
            kind="response",
            endpoint=sent.endpoint,
            body=b'{"choices": [{"message": {"content": "{}"}}], "usage": {}}',
            model="gpt-4o-mini",
            conversation_id=sent.conversation_id,
            run_id=sent.run_id,
            request_id=sent.id,
            status=200,
            prompt_tokens=900,
            completion_tokens=40,
        )
    store._advance_anchor = anchor  # type: ignore[method-assign]
    store._advance_anchor()
    store._db.execute("PRAGMA synchronous=FULL")


def old_window_class() -> type[QWidget] | None:
    """The audit window as it was at ``BASELINE``, loaded from git beside the new one."""
    try:
        sources = {
            name: subprocess.run(
                ["git", "show", f"{BASELINE}:desktop/ui/{name}.py"],
                cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout
            for name in ("audit_model", "audit_window")
        }  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    modules: dict[str, Any] = {}
    for name in ("audit_model", "audit_window"):
        source = sources[name].replace("desktop.ui.audit_model", "bench_old_audit_model")
        spec = importlib.util.spec_from_loader(f"bench_old_{name}", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(source, f"{BASELINE}:desktop/ui/{name}.py", "exec"), module.__dict__)
        modules[name] = module
    return modules["audit_window"].AuditWindow  # type: ignore[no-any-return]


async def idle_gap(seconds: float) -> float:
    """The longest gap with nothing opening: this machine's own noise, in ms."""
    meter = GapMeter()
    meter.start()
    await asyncio.sleep(0.05)
    meter.reset()
    await asyncio.sleep(seconds)
    meter.stop()
    return meter.longest_ms


async def longest_gap(
    open_window: Callable[[], QWidget], ready: Callable[[QWidget], bool]
) -> tuple[float, float]:
    """(longest gap between 1 ms ticks, time until ready), both in ms."""
    meter = GapMeter()
    meter.start()
    await asyncio.sleep(0.05)
    meter.reset()
    started = time.perf_counter()
    window = open_window()
    window.show()
    while not ready(window):
        await asyncio.sleep(0.002)
    took = time.perf_counter() - started
    await asyncio.sleep(0.05)  # paint after the last result
    meter.stop()
    window.close()
    window.deleteLater()
    del window
    await asyncio.sleep(0.05)
    gc.collect()  # this window's garbage is not the next one's stall (the old one leaves 20,000 records)
    return meter.longest_ms, took * 1000


async def bench(runs: int) -> int:
    path = Path(_home.name) / "audit.sqlite3"
    secrets = MemoryStore()
    started = time.perf_counter()
    seed(AuditStore(path, secrets), RECORDS)
    print(f"seeded {RECORDS:,} records in {time.perf_counter() - started:.1f} s")
    store = AuditStore(path, secrets)
    assert store.verify().ok
    old_class = old_window_class()
    freeze_startup_objects()  # as the app does once it has started
    # The first window starts the audit process; measured once, apart from the runs.
    first, _ = await longest_gap(
        lambda: AuditWindow(store, settings=lambda: SETTINGS), lambda w: w.is_ready()
    )
    new_gaps, new_ready, old_gaps, old_ready, idle = [], [], [], [], []
    for _ in range(runs):
        if old_class is not None:
            gap, took = await longest_gap(lambda: old_class(store), lambda w: True)
            old_gaps.append(gap)
            old_ready.append(took)
        gap, took = await longest_gap(
            lambda: AuditWindow(store, settings=lambda: SETTINGS), lambda w: w.is_ready()
        )
        new_gaps.append(gap)
        new_ready.append(took)
        idle.append(await idle_gap(took / 1000))
    new = statistics.median(new_gaps)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"runs: {runs}, records: {RECORDS:,}, load average {load} on {os.cpu_count()} cores")
    print(f"first window (starts the audit process): longest stall {first:.1f} ms")
    print(
        f"new window: longest stall median {new:.1f} ms (runs: "
        f"{', '.join(f'{g:.0f}' for g in new_gaps)}); ready after {statistics.median(new_ready):.0f} ms"
    )
    print(
        f"idle loop for as long (machine noise): longest gap median {statistics.median(idle):.1f} ms"
        f" (runs: {', '.join(f'{g:.0f}' for g in idle)})"
    )
    if old_class is None:
        print(f"old window: not measured (commit {BASELINE} not in this checkout)")
    else:
        old = statistics.median(old_gaps)
        print(
            f"old window ({BASELINE}): longest stall median {old:.1f} ms (runs: "
            f"{', '.join(f'{g:.0f}' for g in old_gaps)})"
        )
        print(f"stall ratio old/new: {old / new:.1f}x")
    met = new < TARGET_MS
    print(f"target < {TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        return runner.run(bench(args.runs))


if __name__ == "__main__":
    sys.exit(main())
