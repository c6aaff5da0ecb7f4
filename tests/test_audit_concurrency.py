"""The app and the CLI appending to one audit file at once keep one valid chain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.privacy.anchor import AnchorMode
from core.privacy.audit import AuditStore
from core.storage.paths import audit_db_path
from core.storage.secrets import KeyringStore

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import sys
from core.privacy.audit import AuditStore
from core.storage.secrets import KeyringStore
path, name, count, keyed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
store = AuditStore(path, KeyringStore() if keyed else None)
for n in range(count):
    store.append(kind="request", endpoint="https://api.example/v1", body=f"{name} {n}".encode(),
                 run_id=name)
store.close()
"""


def append_from_two_processes(path: Path, count: int, keyed: bool) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count), "1" if keyed else "0"],
            cwd=ROOT,
        )
        for name in ("app", "cli")
    ]
    assert [w.wait(timeout=240) for w in writers] == [0, 0]


def test_two_unkeyed_writers_keep_one_chain():
    path = audit_db_path()
    append_from_two_processes(path, 60, keyed=False)
    store = AuditStore(path)
    state = store.verify()
    assert state.ok and state.records == 120, state.problems
    runs = [r.run_id for r in store.records()]
    assert runs.count("app") == runs.count("cli") == 60


@pytest.mark.keyring
@pytest.mark.skipif(
    not os.environ.get("MINIONS_REAL_KEYRING"),
    reason="needs the D-Bus session with gnome-keyring that `./dev test` provides",
)
def test_two_keyed_writers_keep_one_signed_anchored_chain():
    path = audit_db_path()
    append_from_two_processes(path, 20, keyed=True)
    store = AuditStore(path, KeyringStore())
    state = store.verify()
    assert state.ok and state.records == 40 and state.notes == (), (state.problems, state.notes)
    assert store.mode is AnchorMode.KEYRING
    assert store.anchor.read_head().last_id == 40  # the anchor ended on the true head
    assert all(r.mac for r in store.records())
