"""HTTP fakes of the Ollama and OpenAI APIs, driven by the real official clients in tests."""

from tests.fakes._content import (
    fake_token_count,
    messages_token_count,
    placeholder_for_schema,
)
from tests.fakes._server import (
    FakeHTTPError,
    RecordedRequest,
)
from tests.fakes.ollama_fake import OllamaFake
from tests.fakes.openai_fake import OpenAIFake

__all__ = [
    "FakeHTTPError",
    "OllamaFake",
    "OpenAIFake",
    "RecordedRequest",
    "fake_token_count",
    "messages_token_count",
    "placeholder_for_schema",
]
