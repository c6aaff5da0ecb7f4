"""``minions-desktop --selftest``: what an installed (frozen) app finds, as one JSON object.

The packaging checks run it on the installed package: the app must find its icons, the
built-in model and its runtime, the OS keyring and the platform's data folder exactly as
the development app does. Exit 0 when everything the app ships with was found.
"""

from __future__ import annotations

import json
import secrets
import sys

from core.clients.embedded import bundled_model_path, embedded_available
from core.storage.paths import minions_home
from core.storage.secrets import KeyringStore, SecretStoreUnavailable
from desktop.resources import resources_dir

SELFTEST_SERVICE = "minions-desktop-selftest"  # never the app's own service


def keyring_round_trip() -> tuple[str, bool]:
    """The keyring backend's name, and whether a throwaway secret was stored, read and removed."""
    try:
        store = KeyringStore(SELFTEST_SERVICE)
        value = secrets.token_hex(8)
        store.set("probe", value)
        read = store.get("probe")
        store.delete("probe")
        return store.name, read == value and store.get("probe") is None
    except SecretStoreUnavailable as exc:
        return f"unavailable: {exc.message}", False


def findings() -> dict[str, object]:
    icon = resources_dir() / "icons" / "minions.svg"
    model = bundled_model_path()
    keyring, round_trip = keyring_round_trip()
    return {
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "icon": str(icon) if icon.is_file() else None,
        "model": str(model) if model is not None and model.is_file() else None,
        "embedded_runtime": embedded_available(),
        "keyring": keyring,
        "keyring_round_trip": round_trip,
        "data_folder": str(minions_home()),
    }


def selftest() -> int:
    found = findings()
    print(json.dumps(found, indent=2))
    shipped = found["icon"] and found["model"] and found["embedded_runtime"]
    return 0 if shipped else 1
