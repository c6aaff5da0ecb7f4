"""The Python API, close to the reference implementation's: only the imports change.

    from core.api import Minion, OllamaClient, OpenAIClient

    local_client = OllamaClient(model_name="llama3.2")
    remote_client = OpenAIClient(model_name="gpt-4o")
    minion = Minion(local_client, remote_client)
    output = minion(task=task, context=[context], max_rounds=2)
    print(output["final_answer"])

The clients take the reference's arguments and get the egress gate, the audit store,
the servers' addresses and the cloud key from the data folder's settings (and
``OLLAMA_HOST``, ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``), so every request the
supervisor makes is audited exactly as in the app. ``structured_output_schema``,
``num_ctx`` and ``use_async`` are accepted for compatibility: the protocols choose the
schema of each call, the worker's context is sized from each prompt, and every call is
asynchronous underneath.
"""

from __future__ import annotations

from pydantic import BaseModel

from core.clients import ollama_client, openai_client
from core.protocols.api import Minion, Minions, ProtocolError
from core.services import Services, default_services

__all__ = ["Minion", "Minions", "OllamaClient", "OpenAIClient", "ProtocolError"]


class OllamaClient(ollama_client.OllamaClient):
    """The worker on this computer, built the reference's way."""

    def __init__(
        self,
        model_name: str = "",
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        num_ctx: int | None = None,  # sized per request from the prompt instead
        structured_output_schema: type[BaseModel] | None = None,
        use_async: bool | None = None,  # every call is asynchronous underneath
        host: str | None = None,
        services: Services | None = None,
    ) -> None:
        services = services or default_services()
        settings = services.settings
        super().__init__(
            model_name or settings.local_model or "llama3.2",
            services.gate,
            host=host or settings.ollama_host,
            wait=settings.local_wait_s,
        )
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.structured_output_schema = structured_output_schema


class OpenAIClient(openai_client.OpenAIClient):
    """The supervisor, built the reference's way: every request it makes is egress."""

    def __init__(
        self,
        model_name: str = "",
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        structured_output_schema: type[BaseModel] | None = None,
        services: Services | None = None,
    ) -> None:
        services = services or default_services()
        settings = services.settings
        super().__init__(
            model_name or settings.remote_model,
            services.gate,
            base_url=base_url or settings.remote_base_url,
            api_key=api_key or services.keys.current().key,
            on_this_computer=settings.supervisor_on_this_computer,
            wait=settings.cloud_wait_s,
        )
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.structured_output_schema = structured_output_schema
