"""Choosing and building the worker's and supervisor's clients from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.clients.base import ChatClient, ClientError, ErrorKind
from core.clients.embedded import EmbeddedClient, bundled_model_path, embedded_available
from core.privacy.endpoints import Seat
from core.privacy.gate import EgressGate
from core.storage.settings import Settings

if TYPE_CHECKING:  # the client libraries load when a client is first made, not at start-up
    from core.clients.openai_client import OpenAIClient

SUGGESTED_OLLAMA_MODEL = "llama3.2:3b"


@dataclass(slots=True)
class LocalChoice:
    client: ChatClient
    notice: str = ""  # why this runtime was chosen, when it is not the one asked for


async def make_local_client(settings: Settings, gate: EgressGate) -> LocalChoice:
    from core.clients.ollama_client import OllamaClient

    runtime = settings.local_runtime
    if runtime == "openai":
        from core.clients.openai_client import OpenAIClient

        model = settings.local_model or "local"
        server = OpenAIClient(
            model,
            gate,
            base_url=settings.local_base_url,
            seat=Seat.WORKER,
            wait=settings.local_wait_s,
        )
        return LocalChoice(server)
    if runtime == "embedded":
        return LocalChoice(_embedded(settings))
    client = OllamaClient(
        settings.local_model, gate, host=settings.ollama_host, wait=settings.local_wait_s
    )
    try:
        installed = [m.name for m in await client.list_models()]
        if not installed:
            raise ClientError(
                ErrorKind.MODEL_MISSING,
                "Ollama has no models installed",
                hint=f"run `ollama pull {SUGGESTED_OLLAMA_MODEL}`",
            )
        if not settings.local_model:
            client.model = installed[0]
        elif (
            settings.local_model not in installed
            and f"{settings.local_model}:latest" not in installed
        ):
            raise ClientError(
                ErrorKind.MODEL_MISSING,
                f"The model {settings.local_model} is not installed in Ollama",
                hint=f"run `ollama pull {settings.local_model}`",
            )
        return LocalChoice(client)
    except ClientError as exc:
        await client.aclose()
        if runtime == "ollama" or not _embedded_ready(settings):
            raise
        notice = f"{exc.message}; using the built-in model instead ({exc.hint})"
        return LocalChoice(_embedded(settings), notice)
    except BaseException:  # cancelled mid-check (the window closed): no connection left open
        await client.aclose()
        raise


def make_remote_client(settings: Settings, gate: EgressGate, api_key: str | None) -> OpenAIClient:
    from core.clients.openai_client import OpenAIClient

    return OpenAIClient(
        settings.remote_model,
        gate,
        base_url=settings.remote_base_url,
        api_key=api_key,
        seat=Seat.SUPERVISOR,
        on_this_computer=settings.supervisor_on_this_computer,
        wait=settings.cloud_wait_s,
    )


def _embedded_path(settings: Settings) -> Path | None:
    if settings.embedded_model_path:
        return Path(settings.embedded_model_path).expanduser()
    return bundled_model_path()


def _embedded_ready(settings: Settings) -> bool:
    path = _embedded_path(settings)
    return embedded_available() and path is not None and path.is_file()


def _embedded(settings: Settings) -> EmbeddedClient:
    path = _embedded_path(settings)
    if not embedded_available() or path is None:
        raise ClientError(
            ErrorKind.UNREACHABLE,
            "No local model runtime is available",
            hint="start Ollama (`ollama serve`), or install the embedded extra with a GGUF model",
        )
    return EmbeddedClient(path)
