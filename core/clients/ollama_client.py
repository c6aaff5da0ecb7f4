"""The worker's usual runtime: an Ollama server, through the official AsyncClient."""

from __future__ import annotations

import asyncio
import functools
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx
import ollama
from pydantic import BaseModel

from core.clients.base import (
    ChatResult,
    ClientError,
    ErrorKind,
    Message,
    ModelInfo,
    Pace,
    TokenCallback,
    Usage,
    paced,
    parse_structured,
    restart_stream,
    with_retries,
)
from core.privacy.endpoints import Destination, Seat, destination
from core.privacy.gate import EgressBlocked, EgressGate
from core.tokens import estimate_message_tokens, estimate_tokens

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_OUTPUT_TOKENS = 1024
SERVER_DEFAULT_CTX = 2048  # the smallest default an Ollama server has shipped with
CTX_STEP = 2048  # num_ctx is rounded up to this so the server can reuse a loaded model
PROMPT_SAFETY = 1.3  # our estimate can undercount dense text; never let the server cut
START_HINT = "start it with `ollama serve`, or pick another local runtime in Settings"
PROMPT_TOKENS_PER_SECOND = 50  # a slow CPU's prompt reading: the first piece may wait for it


@functools.cache
def _format_of(schema: type[BaseModel]) -> tuple[dict[str, Any], int]:
    """The schema sent as ``format`` and its token cost; built once per schema class."""
    fmt = schema.model_json_schema()
    return fmt, estimate_tokens(json.dumps(fmt))


def _final_counts(reply: Any) -> dict[str, Any]:
    return {
        "prompt_eval_count": reply.prompt_eval_count,
        "eval_count": reply.eval_count,
        "done_reason": reply.done_reason,
    }


T = TypeVar("T")


class OllamaClient:
    """Chat with one Ollama model; ``num_ctx`` is sized from each prompt, never left default."""

    def __init__(
        self,
        model: str,
        gate: EgressGate,
        *,
        host: str = DEFAULT_HOST,
        seat: Seat = Seat.WORKER,
        timeout: float = 600.0,
        wait: float = 120.0,
        attempts: int = 2,
        share: ollama.AsyncClient | None = None,  # another model's connection pool
        where: Destination | None = None,  # the sharing client's decision
    ) -> None:
        self.model = model
        self.endpoint = host
        self.destination = where or destination(seat, host)
        self.egress = self.destination.egress
        self._attempts = attempts
        self._wait = wait  # for the first piece of a reply (or a whole unstreamed one)
        # Used where a call leaves them open (the Python API's client-wide settings).
        self.temperature: float | None = None
        self.max_tokens: int | None = None
        self._gate = gate
        self._shared = share is not None  # then the HTTP client belongs to another instance
        self._limit: int | None = None
        self._honoured: set[tuple[str, int]] = set()  # (model, num_ctx) the server ran as asked
        self._client = share or ollama.AsyncClient(
            host=host, timeout=timeout, transport=gate.transport(httpx, self.destination)
        )

    def with_model(self, model: str) -> OllamaClient:
        """Another model on the same server, through the same gate and the same decision."""
        return OllamaClient(
            model,
            self._gate,
            host=self.endpoint,
            attempts=self._attempts,
            share=self._client,
            where=self.destination,
            wait=self._wait,
        )

    async def aclose(self) -> None:
        if not self._shared:
            await self._client.close()  # type: ignore[no-untyped-call]  # ollama's own annotation gap

    async def list_models(self) -> list[ModelInfo]:
        listing = await self._call(self._client.list)
        return [
            ModelInfo(
                name=str(m.model),
                size_bytes=m.size,
                details=m.details.model_dump() if m.details else {},
            )
            for m in listing.models
        ]

    async def context_limit(self) -> int | None:
        """The model's trained context length, as the server reports it."""
        if self._limit is None:
            shown = await self._call(lambda: self._client.show(self.model))
            info = shown.modelinfo or {}
            lengths = [v for k, v in info.items() if k.endswith(".context_length")]
            self._limit = int(lengths[0]) if lengths else None
        return self._limit

    def num_ctx_for(self, prompt_tokens: int, output_tokens: int, limit: int | None) -> int:
        need = math.ceil(prompt_tokens * PROMPT_SAFETY) + output_tokens
        if limit is not None and need > limit:
            raise ClientError(
                ErrorKind.CONTEXT_OVERFLOW,
                f"The prompt needs about {need:,} tokens but {self.model} holds at most {limit:,}",
                hint="use MinionS, which reads the documents in chunks",
            )
        size = max(CTX_STEP, math.ceil(need / CTX_STEP) * CTX_STEP)
        return min(size, limit) if limit else size

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult:
        max_tokens = self.max_tokens if max_tokens is None else max_tokens
        temperature = self.temperature if temperature is None else temperature
        fmt, fmt_tokens = _format_of(schema) if schema else (None, 0)
        prompt = estimate_message_tokens(messages) + fmt_tokens
        output = max_tokens or DEFAULT_OUTPUT_TOKENS
        limit = await self.context_limit()
        num_ctx = self.num_ctx_for(prompt, output, limit)
        options: dict[str, Any] = {"num_ctx": num_ctx}
        if max_tokens:
            options["num_predict"] = max_tokens
        if temperature is not None:
            options["temperature"] = temperature
        while True:
            final, text = await with_retries(
                lambda: self._send(list(messages), fmt, options, on_token, prompt),
                attempts=self._attempts,
            )
            evaluated = final.get("prompt_eval_count") or 0
            # A prompt that fills the window up to our output reserve was almost surely cut
            # (the server keeps the end and drops the start): widen once, else refuse.
            if evaluated < options["num_ctx"] - output:
                break
            wider = min(options["num_ctx"] * 2, limit or options["num_ctx"] * 2)
            if wider <= options["num_ctx"]:
                raise ClientError(
                    ErrorKind.TRUNCATED,
                    f"{self.model} cut the prompt to {evaluated:,} tokens",
                    hint="the documents do not fit its context; use MinionS",
                )
            options["num_ctx"] = wider
        if prompt > SERVER_DEFAULT_CTX:
            await self._check_context_honoured(options["num_ctx"], prompt)
        usage = Usage(evaluated, final.get("eval_count") or 0)
        result = ChatResult(text, usage, final.get("done_reason") or "stop", self.model)
        if schema is not None:
            result.parsed = parse_structured(text, schema)
        return result

    async def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        """Vectors of ``texts`` from ``model`` on this server (``/api/embed``), for ranking chunks."""
        reply = await self._call(lambda: self._client.embed(model=model, input=list(texts)))
        return [list(vector) for vector in reply.embeddings]

    async def _check_context_honoured(self, num_ctx: int, prompt: int) -> None:
        """Old servers and some proxies ignore ``num_ctx``; then the prompt was silently cut."""
        if (self.model, num_ctx) in self._honoured:
            return
        running = await self._call(self._client.ps)
        for entry in running.models:
            if entry.model in (self.model, f"{self.model}:latest") and entry.context_length:
                if entry.context_length < prompt:
                    raise ClientError(
                        ErrorKind.TRUNCATED,
                        f"Ollama ran {self.model} with a {entry.context_length:,}-token context, "
                        f"too small for this {prompt:,}-token prompt (it ignored num_ctx)",
                        hint="update Ollama, or use MinionS",
                    )
                break
        self._honoured.add((self.model, num_ctx))

    async def _send(
        self,
        messages: list[Message],
        fmt: dict[str, Any] | None,
        options: dict[str, Any],
        on_token: TokenCallback | None,
        prompt_tokens: int,
    ) -> tuple[dict[str, Any], str]:
        # Ollama says nothing until it has read the whole prompt: allow for a slow CPU.
        first = self._wait + prompt_tokens / PROMPT_TOKENS_PER_SECOND
        where = f"Ollama ({self.model} at {self.endpoint})"

        async def run() -> tuple[dict[str, Any], str]:
            kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "options": options}
            if fmt is not None:
                kwargs["format"] = fmt
            if on_token is None:
                try:
                    reply = await asyncio.wait_for(self._client.chat(**kwargs), first)
                except TimeoutError:
                    raise ClientError(
                        ErrorKind.TIMEOUT,
                        f"{where} sent nothing for {first:.0f} s",
                        hint="it may be overloaded or stuck; try again, or give it longer in Settings",
                    ) from None
                return _final_counts(reply), reply.message.content or ""
            restart_stream(on_token)
            parts: list[str] = []
            last: dict[str, Any] = {}
            pace = Pace(first, max(10.0, self._wait / 2))
            async for part in paced(await self._client.chat(**kwargs, stream=True), pace, where):
                piece = part.message.content or ""
                if piece:
                    parts.append(piece)
                    on_token(piece)
                last = _final_counts(part)
            return last, "".join(parts)

        return await self._call(run)

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        try:
            return await fn()
        except ollama.ResponseError as exc:
            raise self._error(exc) from None
        except ConnectionError:
            raise ClientError(
                ErrorKind.UNREACHABLE,
                f"Ollama is not reachable at {self.endpoint}",
                hint=START_HINT,
            ) from None
        except httpx.TimeoutException:
            raise ClientError(
                ErrorKind.TIMEOUT, f"Ollama at {self.endpoint} did not answer in time"
            ) from None
        except httpx.TransportError as exc:
            raise ClientError(
                ErrorKind.UNREACHABLE,
                f"Lost the connection to Ollama at {self.endpoint}: {type(exc).__name__}",
                hint=START_HINT,
            ) from None
        except EgressBlocked as exc:
            raise ClientError(ErrorKind.BLOCKED, exc.message, hint=exc.hint) from None

    def _error(self, exc: ollama.ResponseError) -> ClientError:
        status = exc.status_code
        if status == 404 or "not found" in str(exc.error).lower():
            return ClientError(
                ErrorKind.MODEL_MISSING,
                f"The model {self.model} is not installed in Ollama",
                status=status,
                hint=f"run `ollama pull {self.model}`",
            )
        kind = ErrorKind.SERVER if status >= 500 else ErrorKind.BAD_REQUEST
        return ClientError(kind, f"Ollama answered {status}: {exc.error}", status=status)
