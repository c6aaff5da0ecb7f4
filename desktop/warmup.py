"""Work a first run would otherwise do on the event loop, done in a thread at start-up."""

from __future__ import annotations

import importlib

# The openai client imports these lazily, on its first request: mid-run, on the loop.
LAZY_MODULES = (
    "openai.pagination",
    "openai.lib.streaming.chat",
    "openai.resources.chat.chat",
    "openai.resources.chat.completions",
)


# The model clients pull in openai, ollama and httpx (about a second): imported in a
# thread at start-up, so the window is drawn while they load.
CLIENT_MODULES = (
    "core.clients.ollama_client",
    "core.clients.openai_client",
    "core.privacy.redaction",
)


def preload_clients() -> None:
    for name in CLIENT_MODULES:
        importlib.import_module(name)


def warm_up() -> None:
    """Import the lazily loaded modules and build the protocols' JSON schemas (cached by core)."""
    for name in LAZY_MODULES:
        importlib.import_module(name)
    from core.protocols import schemas

    for value in vars(schemas).values():
        if isinstance(value, type) and issubclass(value, schemas.Compact):
            value.model_json_schema()
