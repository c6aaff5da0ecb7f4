"""Chat clients for the worker and supervisor seats, all behind one interface.

The names below are imported on first use: ``from core.clients.base import ...`` must not
pull in the openai and ollama libraries (a second of start-up for ``minions --help``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.clients.base import (
        ChatClient,
        ChatResult,
        ClientError,
        ErrorKind,
        Message,
        ModelInfo,
        Usage,
    )
    from core.clients.embedded import EmbeddedClient, bundled_model_path
    from core.clients.ollama_client import OllamaClient
    from core.clients.openai_client import OpenAIClient

_HOME = {
    "ChatClient": "base",
    "ChatResult": "base",
    "ClientError": "base",
    "ErrorKind": "base",
    "Message": "base",
    "ModelInfo": "base",
    "Usage": "base",
    "EmbeddedClient": "embedded",
    "bundled_model_path": "embedded",
    "OllamaClient": "ollama_client",
    "OpenAIClient": "openai_client",
}

__all__ = [
    "ChatClient",
    "ChatResult",
    "ClientError",
    "EmbeddedClient",
    "ErrorKind",
    "Message",
    "ModelInfo",
    "OllamaClient",
    "OpenAIClient",
    "Usage",
    "bundled_model_path",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
