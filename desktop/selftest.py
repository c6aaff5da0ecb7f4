"""``minions-desktop --selftest [model]``: what an installed (frozen) app finds, as JSON.

The packaging checks run it on the installed package: the app must find its icons, the
built-in model and its runtime, the OS keyring and the platform's data folder exactly as
the development app does. ``model`` also loads the built-in model and lets it answer one
short question (seconds, where a full Local only run makes it write a long JSON answer).
Exit 0 when everything the app ships with was found (and, with ``model``, it answered).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from pathlib import Path

from core.clients.embedded import EmbeddedClient, bundled_model_path, embedded_available
from core.storage.paths import minions_home
from core.storage.secrets import KeyringStore, SecretStoreUnavailable
from desktop.resources import resources_dir

SELFTEST_SERVICE = "minions-desktop-selftest"  # never the app's own service
MODEL_QUESTION = "The invoice total is 420 euros. What is the invoice total?"


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


def model_reply(path: Path) -> str:
    """The built-in model's answer to one short question, greedy, through the app's client."""

    async def ask() -> str:
        client = EmbeddedClient(path, n_ctx=512)
        try:
            message = {"role": "user", "content": MODEL_QUESTION}
            return (await client.chat([message], max_tokens=24, temperature=0.0)).text
        finally:
            await client.aclose()  # the engines' threads end and llama.cpp's memory is freed

    return asyncio.run(ask())


def selftest(with_model: bool = False) -> int:
    found = findings()
    shipped = bool(found["icon"] and found["model"] and found["embedded_runtime"])
    if with_model and shipped:
        found["model_reply"] = model_reply(Path(str(found["model"])))
        shipped = bool(str(found["model_reply"]).strip())
    print(json.dumps(found, indent=2))
    return 0 if shipped else 1
