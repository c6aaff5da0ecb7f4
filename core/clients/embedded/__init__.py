"""The built-in runtime: a GGUF model run in-process by llama.cpp, with no server at all."""

from core.clients.embedded.client import EmbeddedClient, bundled_model_path, embedded_available

__all__ = ["EmbeddedClient", "bundled_model_path", "embedded_available"]
