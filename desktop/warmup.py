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


def warm_up() -> None:
    """Import the lazily loaded modules and build the protocols' JSON schemas (cached by core)."""
    for name in LAZY_MODULES:
        importlib.import_module(name)
    from core.protocols import schemas

    for value in vars(schemas).values():
        if isinstance(value, type) and issubclass(value, schemas.Compact):
            value.model_json_schema()
