"""Chat clients for the worker and supervisor seats, all behind one interface."""

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
